import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitCredentials {
  /** An SSH deploy key (OpenSSH or PEM private key). */
  sshPrivateKey?: string;
  /** An HTTPS access token (GitHub/GitLab/Gitea style, sent as `x-access-token`). */
  httpsToken?: string;
}

/** Environment for the network git calls, and the clean-up that must run whatever happens. */
export interface PreparedCredentials {
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * Turns credentials into environment for git. Neither secret ever appears in argv (visible to
 * every local user in `ps`) nor in a URL (which git prints in its messages):
 * - the SSH key goes to a 0600 file in a fresh 0700 temp dir, deleted by `dispose()`;
 * - the token becomes an `http.extraHeader` passed through GIT_CONFIG_* variables, the
 *   environment equivalent of `-c http.extraHeader=…`.
 */
export async function prepareCredentials(credentials: GitCredentials): Promise<PreparedCredentials> {
  const env: Record<string, string> = {};
  let keyDir: string | undefined;
  if (credentials.httpsToken) {
    const basic = Buffer.from(`x-access-token:${credentials.httpsToken}`).toString('base64');
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  if (credentials.sshPrivateKey) {
    keyDir = await mkdtemp(join(tmpdir(), 'devflow-ssh-'));
    const keyFile = join(keyDir, 'id');
    // ssh refuses a key file without a final newline ("invalid format").
    const key = credentials.sshPrivateKey.endsWith('\n') ? credentials.sshPrivateKey : `${credentials.sshPrivateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    // GIT_SSH_COMMAND goes through a shell; the only variable part is our own temp path, quoted.
    env.GIT_SSH_COMMAND = [
      'ssh',
      '-i',
      shellQuote(keyFile),
      '-o IdentitiesOnly=yes',
      '-o StrictHostKeyChecking=accept-new',
      '-o BatchMode=yes',
    ].join(' ');
  }
  return {
    env,
    dispose: async () => {
      if (keyDir) await rm(keyDir, { recursive: true, force: true });
    },
  };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
