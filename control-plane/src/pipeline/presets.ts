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

/** The php-fpm unit most distributions name without a version; Debian and Ubuntu name it `php8.2-fpm` (setting `phpFpmService`). */
export const DEFAULT_PHP_FPM_SERVICE = 'php-fpm';

/** `systemctl reload` sends php-fpm SIGUSR2: a graceful restart of its workers. */
export function phpFpmReload(service: string): Command {
  return { argv: ['sudo', '-n', 'systemctl', 'reload', service] };
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
export function presetDefaults(preset: Preset, facts: RepoFacts, phpFpmService = DEFAULT_PHP_FPM_SERVICE): PresetDefaults {
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
        ? [{ argv: ['composer', 'install', '--no-dev', '--prefer-dist', '--optimize-autoloader', '--no-interaction'] }]
        : [];
      // Compiled Blade views live in the release (bootstrap/cache/views, beside the config and route
      // caches), not in the shared storage/: view:cache starts with view:clear, which in a shared
      // directory deleted the live release's compiled views while it served them, and its workers
      // then rewrote them in place (Laravel's put is not atomic) while others included them.
      const artisan = (...args: string[]): Command => ({ argv: ['php', 'artisan', ...args], releasePathEnv: { VIEW_COMPILED_PATH: 'bootstrap/cache/views' } });
      return {
        settings: {
          install: [...composer, ...node.install],
          // The caches are built in the new release before it goes live (as Deployer and Envoyer do):
          // config:cache bakes this release's paths and .env, so the first request after the switch is
          // already served warm, and a cache that fails to build fails the deployment with nothing live changed.
          build: [...node.build, artisan('storage:link'), artisan('config:cache'), artisan('route:cache'), artisan('view:cache')],
          migrate: artisan('migrate', '--force'),
          downMigrate: artisan('migrate:rollback', '--force'),
          cache: false,
          // A graceful reload lets PHP-FPM's workers finish their requests (process_control_timeout) and
          // empties the opcache; queue workers pick up the new code only after queue:restart.
          restart: [phpFpmReload(phpFpmService), artisan('queue:restart')],
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
