import { runCli } from './cli/index.js';

// The one place that reads process.argv / process.env; everything below gets a frozen config.
// Exit explicitly: a stopped agent must not linger on a stray handle.
process.exit(await runCli(process.argv.slice(2), process.env));
