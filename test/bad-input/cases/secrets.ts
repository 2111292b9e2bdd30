import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFinal } from '../../helpers/api.js';
import type { BadInputCase } from '../case.js';
import type { World } from '../world.js';

/**
 * Issue 17 items 1, 2 and issue 14 item 7: no API response, log line or database file holds a
 * variable's value, the `.env` contents or the repository token in clear; only names with `***`.
 */
const VALUE = 'sv-7Kq2-never-in-clear-9Zp4';
const TOKEN = 'ght-token-never-in-clear-3Xw8';
const steps: Record<string, string> = {};

async function deployWithSecrets(w: World): Promise<void> {
  if (steps['git.sync']) return;
  const admin = w.as.admin;
  const vars = await admin.call('PUT', '/api/projects/shop/environments/production/variables', { variables: { API_SECRET: VALUE } });
  if (vars.status !== 200) throw new Error(`variables: ${vars.status} ${JSON.stringify(vars.body)}`);
  const creds = await admin.call('PATCH', '/api/projects/shop', { credentials: { httpsToken: TOKEN } });
  if (creds.status !== 200) throw new Error(`credentials: ${creds.status} ${JSON.stringify(creds.body)}`);
  const dep = await admin.call<{ deployment: { id: string } }>('POST', '/api/projects/shop/environments/production/deployments', { force: true });
  if (dep.status !== 201) throw new Error(`deploy: ${dep.status} ${JSON.stringify(dep.body)}`);
  const done = await waitFinal(admin, dep.body.deployment.id, 90_000);
  if (done.status !== 'succeeded') throw new Error(`deployment ${done.status}: ${done.reason}`);
  const view = await admin.call<{ deployment: { targets: { steps: { kind?: string; name: string; stepId: string }[] }[] } }>('GET', `/api/deployments/${done.id}`);
  for (const target of view.body.deployment.targets) {
    for (const step of target.steps) {
      const one = await admin.call<{ step: { spec: { kind: string } } }>('GET', `/api/steps/${step.stepId}`);
      if (one.status === 200) steps[one.body.step.spec.kind] ??= step.stepId;
    }
  }
  // The credentials are not needed by the other cases (a local repository).
  await admin.call('PATCH', '/api/projects/shop', { credentials: null });
}

function assertNoClearSecret(text: string, where: string): void {
  for (const secret of [VALUE, TOKEN]) if (text.includes(secret)) throw new Error(`${where} holds a secret value in clear`);
}

export const cases: BadInputCase[] = [
  {
    name: 'only an admin may rotate the secret key',
    who: 'maintainer',
    request: () => ({ method: 'POST', path: '/api/admin/rotate-key', json: {} }),
    status: 403,
    message: /^this needs one of the roles: admin/,
  },
  {
    name: 'a rotation with a malformed new key is refused (the unit test rotate-key.test.ts checks the values stay as they were)',
    who: 'admin',
    request: () => ({ method: 'POST', path: '/api/admin/rotate-key', json: { newKey: 'not-32-bytes' } }),
    status: 400,
    message: /^newKey: must be 32 bytes/,
  },
  {
    name: 'a viewer reading a link step sees the .env names with *** (never the values)',
    who: 'viewer',
    setup: deployWithSecrets,
    request: () => ({ method: 'GET', path: `/api/steps/${steps['release.link']}` }),
    status: 200,
    message: /"envFile":\{"name":"\.env","content":"[^"]*API_SECRET=\*\*\*/,
    check: (body) => assertNoClearSecret(JSON.stringify(body), 'GET /api/steps (release.link)'),
  },
  {
    name: 'a viewer reading a git step sees the HTTPS token as ***',
    who: 'viewer',
    request: () => ({ method: 'GET', path: `/api/steps/${steps['git.sync']}` }),
    status: 200,
    message: /"httpsToken":"\*\*\*"/,
    check: (body) => assertNoClearSecret(JSON.stringify(body), 'GET /api/steps (git.sync)'),
  },
  {
    name: 'no deployment, log or database file holds the value in clear',
    who: 'viewer',
    request: () => ({ method: 'GET', path: '/api/projects/shop/deployments?limit=50' }),
    status: 200,
    message: /"items":\[\{"id":"dep_/,
    check: async (body, w) => {
      assertNoClearSecret(JSON.stringify(body), 'GET /api/projects/shop/deployments');
      for (const id of Object.values(steps)) assertNoClearSecret((await w.as.viewer.text(`/api/steps/${id}/logs.txt`)).text, `log of ${id}`);
      for (const file of ['devflow.db', 'devflow.db-wal']) {
        const path = join(w.cp.dataDir, file);
        if (existsSync(path)) assertNoClearSecret(readFileSync(path).toString('latin1'), file);
      }
      assertNoClearSecret(w.cp.process.lines.join('\n'), 'the control-plane log');
    },
  },
];
