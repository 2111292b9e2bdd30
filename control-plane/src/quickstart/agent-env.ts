import { delimiter, sep } from 'node:path';

/**
 * The environment for the quick-start agent. `npm start` exports its own context (npm_config_*,
 * npm_package_* of DevFlow's package.json, INIT_CWD) and puts DevFlow's node_modules/.bin first on
 * PATH; inherited by the agent, that leaks into every deployed app's install and build (yarn then
 * reads DevFlow's "packageManager", a build finds DevFlow's tsc). A real server's agent never has it.
 */
export function localAgentEnv(parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(parent)) {
    if (key.startsWith('npm_') || key === 'INIT_CWD' || key === 'NODE') continue;
    env[key] = value;
  }
  if (parent.PATH !== undefined) env.PATH = withoutNpmRunEntries(parent.PATH);
  // The local agent's apps live under .devflow/ inside DevFlow's own checkout, and yarn 1.22.20+
  // takes the "packageManager" of any parent package.json (yarnpkg/yarn#9015): DevFlow's npm@…
  // would refuse every yarn app. The check exists for corepack, whose shim sets COREPACK_ROOT and
  // skips it anyway, so this only affects a global yarn 1.
  env.SKIP_YARN_COREPACK_CHECK ??= '1';
  return env;
}

/** PATH minus what `npm run` prepends: every `node_modules/.bin` up the tree and npm's node-gyp shim. */
function withoutNpmRunEntries(path: string): string {
  const bin = `${sep}node_modules${sep}.bin`;
  return path
    .split(delimiter)
    .filter((entry) => !entry.endsWith(bin) && entry !== bin.slice(1) && !entry.endsWith(`${sep}run-script${sep}lib${sep}node-gyp-bin`))
    .join(delimiter);
}
