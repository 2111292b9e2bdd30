import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { configPath } from './cli/config.js';
import { runCli } from './cli/run.js';
import { exitQuietlyOnBrokenPipe } from './cli/stdout.js';

/** The `devflow` command line (bin of @devflow/control-plane). Environment is read here, once. */

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks without echoing what is typed. */
function promptSecret(question: string): Promise<string | null> {
  if (!process.stdin.isTTY) return Promise.resolve(null);
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

const env = { ...process.env };
exitQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code));
runCli(process.argv.slice(2), {
  env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  configPath: configPath(env),
  readStdin,
  promptSecret,
  fetchImpl: fetch,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`devflow: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70; // EX_SOFTWARE
  },
);
