import type { Api } from '../../helpers/api.js';
import type { BadInputCase } from '../case.js';
import type { World } from '../world.js';

/**
 * Issue 13 item 3: freeze windows with bad fields get 400 naming the field; inside a freeze a
 * manual deployment needs an admin, force and a reason. The frozen environment is `staging`
 * (made in setup, no auto-deploy), so the other areas' `production` stays deployable.
 */
const hour = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const freezes = (w: World) => `/api/projects/${w.project.name}/freezes`;
const stagingDeploy = (w: World) => `/api/projects/${w.project.name}/environments/staging/deployments`;

async function frozenStaging(w: World): Promise<void> {
  const admin = w.as.admin as Api;
  if ((await admin.call('GET', `/api/projects/${w.project.name}/environments/staging`)).status === 404) {
    const env = await admin.call('POST', `/api/projects/${w.project.name}/environments`, { name: 'staging', branch: 'main' });
    if (env.status !== 201) throw new Error(`create staging: ${env.status} ${JSON.stringify(env.body)}`);
    const freeze = await admin.call('POST', freezes(w), { environment: 'staging', from: iso(Date.now() - hour), to: iso(Date.now() + 24 * hour), reason: 'bad-input freeze' });
    if (freeze.status !== 201) throw new Error(`add freeze: ${freeze.status} ${JSON.stringify(freeze.body)}`);
  }
}

export const cases: BadInputCase[] = [
  {
    name: 'a one-off freeze ending before it starts gets 400 naming "to"',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { from: iso(Date.now() + hour), to: iso(Date.now()), reason: 'x' } }),
    status: 400,
    message: /^to: must be after from/,
  },
  {
    name: 'a recurring freeze in an unknown time zone gets 400 naming "timezone"',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { cron: '0 18 * * FRI', durationMinutes: 60, timezone: 'Mars/Olympus_Mons', reason: 'x' } }),
    status: 400,
    message: /^timezone: unknown time zone "Mars\/Olympus_Mons"/,
  },
  {
    name: 'a recurring freeze with a bad cron gets 400 naming "cron"',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { cron: '61 * * * *', durationMinutes: 60, reason: 'x' } }),
    status: 400,
    message: /^cron: "61 \* \* \* \*" is not a valid cron expression/,
  },
  {
    name: 'a recurring freeze without a duration gets 400 naming "durationMinutes"',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { cron: '0 18 * * FRI', reason: 'x' } }),
    status: 400,
    message: /^durationMinutes: a recurring window needs how long each freeze lasts/,
  },
  {
    name: 'a freeze with a date that is not ISO 8601 gets 400 naming "from"',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { from: 'next friday', to: iso(Date.now()), reason: 'x' } }),
    status: 400,
    message: /^from: an ISO 8601 date-time/,
  },
  {
    name: 'a freeze of an unknown environment gets 404',
    who: 'maintainer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { environment: 'nope', from: iso(Date.now()), to: iso(Date.now() + hour), reason: 'x' } }),
    status: 404,
    message: /^environment "nope" of project "shop" does not exist/,
  },
  {
    name: 'a viewer cannot add a freeze window',
    who: 'viewer',
    request: (w) => ({ method: 'POST', path: freezes(w), json: { from: iso(Date.now()), to: iso(Date.now() + hour), reason: 'x' } }),
    status: 403,
    message: /^this needs one of the roles: admin, maintainer/,
  },
  {
    name: 'inside a freeze a manual deployment without force gets 409 with the reason',
    who: 'admin',
    setup: frozenStaging,
    request: (w) => ({ method: 'POST', path: stagingDeploy(w), json: {} }),
    status: 409,
    message: /^deployments to "staging" are frozen until .*: bad-input freeze; an admin can deploy with force and a reason$/,
  },
  {
    name: 'inside a freeze a deployer forcing gets 403',
    who: 'deployer',
    setup: frozenStaging,
    request: (w) => ({ method: 'POST', path: stagingDeploy(w), json: { force: true, forceReason: 'hotfix' } }),
    status: 403,
    message: /only an admin can force a deployment inside a freeze window$/,
  },
  {
    name: 'inside a freeze an admin forcing without a reason gets 400 naming "forceReason"',
    who: 'admin',
    setup: frozenStaging,
    request: (w) => ({ method: 'POST', path: stagingDeploy(w), json: { force: true } }),
    status: 400,
    message: /^forceReason: say why the freeze window is overridden$/,
  },
];
