// Stand-in for the devflow-agent bundle in tests: `node proxy-entry.mjs proxy --data-dir D`.
import { proxyCliMain } from '../src/proxy/index.js';

if (process.argv[2] !== 'proxy') throw new Error('usage: proxy-entry proxy --data-dir <dir>');
await proxyCliMain(process.argv.slice(3));
