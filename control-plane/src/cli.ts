/** The `devflow` command line. Commands are added as their services land. */
const USAGE = `Usage: devflow <command> [options]

Commands are not available in this build yet; use the REST API under /api
(see README.md) or the web console.

Options:
  --help     show this help
  --version  print the version
`;

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write('0.1.0\n');
} else {
  process.stdout.write(USAGE);
  process.exitCode = args.length === 0 || args.includes('--help') ? 0 : 64; // EX_USAGE for unknown commands
}
