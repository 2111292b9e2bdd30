import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFinal } from '../helpers/api.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { devflowYml, Site } from './site.js';

/**
 * Issue 16 defects 3, 5 and 6 on a real control plane, agent, proxy and app slots: which variables a
 * warm blue-green rollback serves, where blue-green runs the cache stage, and the automatic
 * rollback's down-migration. Migrate, down-migrate and cache append to one journal file.
 */
const journalDir = tempDir('devflow-journal-');
const JOURNAL = join(journalDir, 'journal.log');
const append = (what: string) => ({ argv: ['node', '-e', `require('fs').appendFileSync(${JSON.stringify(JOURNAL)}, '${what} ' + require('fs').readFileSync('VERSION', 'utf8'))`] });
const PIPELINE = [
  `migrate: ${JSON.stringify(append('up'))}`,
  `downMigrate: ${JSON.stringify(append('down'))}`,
  `cache: ${JSON.stringify(append('cache'))}`,
];
const journal = () => readFileSync(JOURNAL, 'utf8').trim().split('\n');

let site: Site;
beforeAll(async () => {
  site = await Site.start({ drainTimeoutS: 1, extraYml: PIPELINE });
  await site.setEnvironment({ requirePreviousSuccess: false });
  await site.api.call('PUT', '/api/projects/zd/environments/production/variables', { variables: { GREETING: 'hello-two' } });
  await site.deployNext();
}, 90_000);
afterAll(async () => site?.close());

describe('blue-green rollback and stage order (issue 16)', () => {
  it('defect 5: the cache stage runs in the new release before its slot starts and traffic moves; the restart stage starts the slot', { timeout: 60_000 }, async () => {
    const { version, deployment } = await site.deployNext();
    const steps = deployment.targets[0]!.steps;
    const at = (pred: (s: (typeof steps)[number]) => boolean) => steps.findIndex(pred);
    const cache = at((s) => s.stage === 'cache');
    const start = at((s) => s.stage === 'restart' && s.name.startsWith('start '));
    const switched = at((s) => s.stage === 'activate' && s.name.startsWith('switch traffic'));
    expect(cache, JSON.stringify(steps.map((s) => `${s.stage}:${s.name}`))).toBeGreaterThanOrEqual(0);
    expect(start).toBeGreaterThan(cache);
    expect(switched).toBeGreaterThan(start);
    expect(steps.every((s) => s.status === 'succeeded')).toBe(true);
    // The cache command ran in the new release (its VERSION).
    expect(journal().at(-1)).toBe(`cache ${version}`);
  });

  it('defect 3: a warm rollback serves the current variables, restarting the old slot with them, and says which apply', { timeout: 60_000 }, async () => {
    const live = Number((await site.served()).match(/version=(\d+)/)?.[1]);
    const before = site.slots();
    await site.api.call('PUT', '/api/projects/zd/environments/production/variables', { variables: { GREETING: 'hello-three' } });
    const res = await site.api.call<{ deployment: { id: string }; variables: { applies: string; changed: string[]; note: string } }>('POST', '/api/projects/zd/environments/production/rollback', {});
    expect(res.status).toBe(201);
    expect(res.body.variables).toMatchObject({ applies: 'current', changed: ['GREETING'] });
    const done = await waitFinal(site.api, res.body.deployment.id);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    expect(await site.served()).toBe(`version=${live - 1} greeting=hello-three`);
    const log = await site.log(done.id);
    expect(log).toContain("variables: the environment's current ones (GREETING changed since release");
    expect(log).toContain('with other variables than the ones that apply now; restarting it with them');
    // The slot of the restored release runs a new process; the other slot's process is untouched.
    const after = site.slots();
    const restored = Object.keys(after).find((slot) => after[slot]!.releaseId === done.releaseId)!;
    expect(after[restored]!.pid).not.toBe(before[restored]!.pid);
  });

  it('defect 6: an automatic rollback runs the configured down-migration of the failed release, as a manual one does', { timeout: 90_000 }, async () => {
    await site.setEnvironment({ autoRollback: true });
    // Fails after its switch: a hook after the health check exits 3.
    const bad = site.commit({ yml: devflowYml(['blueGreen: { drainTimeout: 1 }', ...PIPELINE, 'hooks: { healthcheck: { after: { argv: [node, -e, "process.exit(3)"] } } }']) });
    const failed = await site.deploy();
    expect(failed.status).toBe('failed');
    expect(journal()).toContain(`up ${bad}`);
    const queued = await waitFor('the automatic rollback to be queued', async () => (await site.log(failed.id)).match(/automatic rollback queued: deployment (dep_\S+) \(\w+\), with the configured down-migration/)?.[1]);
    const rollback = await waitFinal(site.api, queued, 60_000);
    expect(rollback.status, rollback.reason ?? '').toBe('succeeded');
    expect(rollback.targets[0]!.steps.filter((s) => s.stage === 'migrate').map((s) => s.status)).toEqual(['succeeded']);
    // The down-migration ran once, in the failed release's code (which knows the migration), before the switch back.
    expect(journal().filter((l) => l.startsWith('down '))).toEqual([`down ${bad}`]);
    expect(await site.served()).not.toContain(`version=${bad}`);
  });
});
