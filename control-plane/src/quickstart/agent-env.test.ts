import { describe, expect, it } from 'vitest';
import { localAgentEnv } from './agent-env.js';

describe('localAgentEnv', () => {
  it("drops what `npm start` exports and keeps the user's own environment", () => {
    const env = localAgentEnv({
      HOME: '/root',
      npm_package_packageManager: 'npm@11.19.1',
      npm_config_local_prefix: '/srv/devflow',
      NPM_CONFIG_REGISTRY: 'http://127.0.0.1:4873',
      INIT_CWD: '/srv/devflow',
      NODE: '/usr/bin/node',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/ca.pem',
      PATH: [
        '/srv/devflow/node_modules/.bin',
        '/srv/node_modules/.bin',
        '/node_modules/.bin',
        '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin',
        '/opt/tools/bin',
        '/usr/bin',
      ].join(':'),
    });
    // npm exports lower-case npm_* names; an upper-case NPM_CONFIG_* is the user's own setting.
    expect(env).toEqual({
      HOME: '/root',
      NPM_CONFIG_REGISTRY: 'http://127.0.0.1:4873',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/ca.pem',
      PATH: '/opt/tools/bin:/usr/bin',
      SKIP_YARN_COREPACK_CHECK: '1',
    });
  });
});
