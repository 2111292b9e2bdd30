import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Private repository access, decrypted by the caller just before use. */
export interface GitCredentials {
  /** An SSH deploy key (OpenSSH or PEM private key). */
  sshPrivateKey?: string;
  /** An HTTPS access token (GitHub/GitLab/Gitea style, sent as `x-access-token`). */
  httpsToken?: string;
}

export interface PreparedCredentials {
  env: Record<string, string>;
  /** Values to take out of any error message shown to a user. */
  secrets: string[];
  dispose(): Promise<void>;
}

/**
 * Turns credentials into environment for git, the same way the agent does: neither secret
 * appears in argv (visible in `ps`) nor in a URL (which git prints). The SSH key goes to a
 * 0600 file in a fresh 0700 temp dir that `dispose()` deletes; the token becomes an
 * `http.extraHeader` through GIT_CONFIG_* variables.
 */
export async function prepareCredentials(credentials: GitCredentials | undefined): Promise<PreparedCredentials> {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  let keyDir: string | undefined;
  if (credentials?.httpsToken) {
    const basic = Buffer.from(`x-access-token:${credentials.httpsToken}`).toString('base64');
    secrets.push(credentials.httpsToken, basic);
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  if (credentials?.sshPrivateKey) {
    keyDir = await mkdtemp(join(tmpdir(), 'devflow-ssh-'));
    const keyFile = join(keyDir, 'id');
    // ssh refuses a key file without a final newline ("invalid format").
    const key = credentials.sshPrivateKey.endsWith('\n') ? credentials.sshPrivateKey : `${credentials.sshPrivateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    // GIT_SSH_COMMAND goes through a shell; its only variable part is our own temp path, quoted.
    env.GIT_SSH_COMMAND = `ssh -i '${keyFile.replaceAll("'", "'\\''")}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o BatchMode=yes`;
  }
  return {
    env,
    secrets,
    dispose: async () => {
      if (keyDir) await rm(keyDir, { recursive: true, force: true });
    },
  };
}
