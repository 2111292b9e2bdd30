import type { Command, PipelineSettings, Preset } from './settings.js';

/** What the planner knows about the repository at the commit being deployed. */
export interface RepoFacts {
  /** Names at the repository root (lockfiles, package.json, artisan, …). */
  rootFiles: string[];
  /** `scripts` of package.json at the commit, or null when there is no package.json. */
  packageScripts: Record<string, string> | null;
}

interface NodeTooling {
  install: Command;
  run: (script: string) => Command;
  lockfile: string | null;
}

/** The package manager the lockfile names; installs are lockfile-driven so builds are reproducible. */
export function nodeTooling(rootFiles: readonly string[]): NodeTooling | null {
  const has = (f: string) => rootFiles.includes(f);
  if (has('pnpm-lock.yaml')) {
    return { install: { argv: ['pnpm', 'install', '--frozen-lockfile'] }, run: (s) => ({ argv: ['pnpm', 'run', s] }), lockfile: 'pnpm-lock.yaml' };
  }
  if (has('yarn.lock')) {
    return { install: { argv: ['yarn', 'install', '--frozen-lockfile'] }, run: (s) => ({ argv: ['yarn', 'run', s] }), lockfile: 'yarn.lock' };
  }
  if (has('package-lock.json') || has('npm-shrinkwrap.json')) {
    const lockfile = has('npm-shrinkwrap.json') ? 'npm-shrinkwrap.json' : 'package-lock.json';
    return { install: { argv: ['npm', 'ci'] }, run: (s) => ({ argv: ['npm', 'run', s] }), lockfile };
  }
  if (has('package.json')) {
    // No lockfile: nothing to be frozen against; `npm install` is the only thing that works.
    return { install: { argv: ['npm', 'install'] }, run: (s) => ({ argv: ['npm', 'run', s] }), lockfile: null };
  }
  return null;
}

export interface PresetDefaults {
  settings: PipelineSettings;
  /** Dependency directories reused from the live release when their lockfile is unchanged. */
  reuse: { path: string; lockfile: string }[];
}

function nodeParts(facts: RepoFacts): { install: Command[]; build: Command[]; reuse: PresetDefaults['reuse'] } {
  const tooling = nodeTooling(facts.rootFiles);
  if (!tooling) return { install: [], build: [], reuse: [] };
  const build = facts.packageScripts?.build !== undefined ? [tooling.run('build')] : [];
  const reuse = tooling.lockfile ? [{ path: 'node_modules', lockfile: tooling.lockfile }] : [];
  return { install: [tooling.install], build, reuse };
}

/**
 * The lowest layer of settings (preset < console < devflow.yml). Commands here are argv arrays:
 * they are ours, not the user's, so no shell is involved.
 */
export function presetDefaults(preset: Preset, facts: RepoFacts): PresetDefaults {
  switch (preset) {
    case 'node': {
      const node = nodeParts(facts);
      return {
        settings: { install: node.install, build: node.build, start: { argv: ['npm', 'start'] }, envFile: '.env', sharedPaths: [] },
        reuse: node.reuse,
      };
    }
    case 'laravel': {
      // Front-end assets (Vite) are built when the repository has a Node lockfile and a build script.
      const node = nodeParts(facts);
      const composer: Command[] = facts.rootFiles.includes('composer.json')
        ? [{ argv: ['composer', 'install', '--no-dev', '--optimize-autoloader', '--no-interaction'] }]
        : [];
      return {
        settings: {
          install: [...composer, ...node.install],
          build: node.build,
          migrate: { argv: ['php', 'artisan', 'migrate', '--force'] },
          downMigrate: { argv: ['php', 'artisan', 'migrate:rollback', '--force'] },
          cache: { argv: ['php', 'artisan', 'optimize:clear'] },
          // php-fpm's unit is named per PHP version on most systems; set `restart` to yours.
          restart: 'sudo -n systemctl reload php-fpm',
          start: false,
          envFile: '.env',
          sharedPaths: ['storage'],
        },
        reuse: [
          ...(facts.rootFiles.includes('composer.lock') ? [{ path: 'vendor', lockfile: 'composer.lock' }] : []),
          ...node.reuse,
        ],
      };
    }
    case 'static':
      // No env file: a static site's release directory is usually served as is.
      return { settings: { start: false, envFile: false, sharedPaths: [] }, reuse: [] };
    case 'custom':
      return { settings: { start: false, envFile: false, sharedPaths: [] }, reuse: [] };
  }
}
