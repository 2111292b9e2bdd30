import { describe, expect, it } from 'vitest';
import { parseDevflowYml, PipelineConfigError } from './devflow-yml.js';

function problems(text: string) {
  try {
    parseDevflowYml(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PipelineConfigError);
    const e = err as PipelineConfigError;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details).toMatchObject({ source: 'devflow.yml' });
    return { list: e.problems, message: e.message };
  }
  throw new Error('expected devflow.yml to be refused');
}

describe('parseDevflowYml', () => {
  it('accepts the documented example', () => {
    const config = parseDevflowYml(`
preset: node
strategy: blue-green
start: node server.js
install: npm ci --omit=dev
build:
  - npm run build
  - argv: [node, scripts/assets.js]
migrate: false
sharedPaths: [uploads]
envFile: .env
healthcheck:
  path: /up
  timeout: 30
keepReleases: 5
timeouts:
  build: 600
hooks:
  activate:
    after: echo live
environments:
  staging:
    keepReleases: 2
`);
    expect(config).toMatchObject({
      preset: 'node',
      strategy: 'blue-green',
      build: ['npm run build', { argv: ['node', 'scripts/assets.js'] }],
      migrate: false,
      hooks: { activate: { after: 'echo live' } },
      environments: { staging: { keepReleases: 2 } },
    });
  });

  it('reports an alias bomb as "too many aliases", not an internal error', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`), 'build: *i', ''].join('\n');
    expect(() => parseDevflowYml(bomb)).toThrow(PipelineConfigError);
    expect(() => parseDevflowYml(bomb)).toThrow(/too many aliases/);
  });

  it('treats an empty file as no settings', () => {
    expect(parseDevflowYml('')).toEqual({});
    expect(parseDevflowYml('# only a comment\n')).toEqual({});
  });

  it('reports a bad value with its line and field', () => {
    const { list, message } = problems('preset: node\nstrategy: sideways\n');
    expect(list).toEqual([{ field: 'strategy', line: 2, message: expect.stringContaining('in-place') }]);
    expect(message).toMatch(/^devflow\.yml line 2, strategy: /);
  });

  it('reports an unknown key where it is, nested too', () => {
    const { list } = problems('preset: node\nhooks:\n  build:\n    befor: echo x\n');
    expect(list).toEqual([{ field: 'hooks.build.befor', line: 4, message: expect.stringContaining('befor') }]);
    expect(problems('colour: blue\n').list[0]).toMatchObject({ field: 'colour', line: 1 });
  });

  it('lists every problem', () => {
    const { list, message } = problems('keepReleases: 0\ntimeouts:\n  build: -1\nsharedPaths: [../etc]\n');
    expect(list.map((p) => [p.field, p.line])).toHaveLength(3);
    expect(list.map((p) => [p.field, p.line])).toEqual(expect.arrayContaining([['keepReleases', 1], ['timeouts.build', 3], ['sharedPaths.0', 4]]));
    expect(message.split('\n')[0]).toBe('devflow.yml is not valid:');
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(problems('preset: node\nbuild: [npm run build\n').list[0]).toMatchObject({ field: '', line: expect.any(Number) });
    const dup = problems('preset: node\npreset: static\n').list[0]!;
    expect(dup.message).toMatch(/unique/);
    expect(dup.line).toBeGreaterThanOrEqual(1);
  });

  it('refuses a file that is not a mapping', () => {
    expect(problems('- a\n- b\n').list[0]).toMatchObject({ field: '', line: 1 });
  });

  it('refuses empty commands', () => {
    expect(problems('build: ""\n').list[0]).toMatchObject({ field: 'build', line: 1 });
  });
});

describe('README', () => {
  it('documents a devflow.yml that validates, and the error format it shows', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('`devflow.yml` (every key optional')))?.[1];
    expect(block).toBeDefined();
    expect(parseDevflowYml(block!)).toMatchObject({ preset: 'node', strategy: 'blue-green', environments: { staging: { keepReleases: 3 } } });
    const documented = /e\.g\. `(devflow\.yml line 2, strategy: [^`]+)`/.exec(readme.replace(/\n/g, ' '))?.[1];
    expect(documented).toBe(problems('preset: node\nstrategy: sideways\n').message);
  });
});
