// Prints N numbered lines to stdout (and every 10th to stderr too), then exits with code E.
// Usage: node print-lines.mjs N [exitCode] [delayEveryMs]
const n = Number(process.argv[2] ?? 10);
const code = Number(process.argv[3] ?? 0);
const pause = Number(process.argv[4] ?? 0);
const out = [];
for (let i = 1; i <= n; i++) {
  out.push(`line ${i}`);
  if (pause > 0 && i % 100 === 0) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
    await new Promise((r) => setTimeout(r, pause));
  }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
process.stderr.write('done\n');
process.exitCode = code;
