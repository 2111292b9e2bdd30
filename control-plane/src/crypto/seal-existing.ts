import type { StepSpec } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { specContext } from '../agents/dispatcher.js';
import { storedUrl } from '../projects/service.js';
import { redactStepSpec } from '../steps/redact.js';
import type { SecretBox } from './secret-box.js';

const DONE_KEY = 'secrets.sealed_at_rest';

/**
 * Databases written before migration 009 hold step specs (variable values, `.env` contents, deploy
 * keys, tokens) and repository URLs with passwords in clear. Once, at the first start after the
 * upgrade: seal each such value and keep only its redacted form in clear. Idempotent (a row already
 * sealed is skipped), so an interrupted pass resumes at the next start.
 */
export async function sealExistingSecrets(db: Db, box: SecretBox, logger: Logger): Promise<void> {
  if ((await db.execute({ sql: 'SELECT 1 FROM settings WHERE key = ?', args: [DONE_KEY] })).rows.length > 0) return;
  let steps = 0;
  let projects = 0;
  const rs = await db.execute('SELECT id, spec, secrets_enc FROM steps WHERE spec_enc IS NULL');
  for (const row of rs.rows) {
    const id = String(row.id);
    const spec = JSON.parse(String(row.spec)) as StepSpec;
    const secrets = row.secrets_enc === null ? [] : (JSON.parse(box.open(String(row.secrets_enc), `step:${id}`)) as string[]);
    const redacted = redactStepSpec(spec, secrets);
    if (JSON.stringify(redacted) === JSON.stringify(spec)) continue;
    await db.execute({ sql: 'UPDATE steps SET spec = ?, spec_enc = ? WHERE id = ?', args: [JSON.stringify(redacted), box.seal(JSON.stringify(spec), specContext(id)), id] });
    steps++;
  }
  const ps = await db.execute('SELECT id, repository_url FROM projects WHERE repository_url_enc IS NULL');
  for (const row of ps.rows) {
    const url = storedUrl(box, String(row.id), String(row.repository_url));
    if (url.sealed === null) continue;
    await db.execute({ sql: 'UPDATE projects SET repository_url = ?, repository_url_enc = ? WHERE id = ?', args: [url.url, url.sealed, String(row.id)] });
    projects++;
  }
  await db.execute({ sql: 'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING', args: [DONE_KEY, 'v1', Date.now()] });
  // The clear pages are zeroed (secure_delete); copies of them in the WAL go with a truncating checkpoint.
  if (steps || projects) await db.execute('PRAGMA wal_checkpoint(TRUNCATE)').catch(() => undefined);
  if (steps || projects) logger.info('sealed secrets stored in clear by an older version', { steps, projects });
}
