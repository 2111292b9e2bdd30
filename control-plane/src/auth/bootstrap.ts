import type { Config } from '../config.js';
import type { AuditLog } from '../audit/audit.js';
import { generatePassword } from './password.js';
import type { UserService } from './users.js';

/**
 * First start: create the admin from DEVFLOW_ADMIN_EMAIL / DEVFLOW_ADMIN_PASSWORD. A generated
 * password is printed once; it is never stored in clear, so it cannot be printed again.
 */
export async function ensureAdmin(
  users: UserService,
  audit: AuditLog,
  config: Pick<Config, 'adminEmail' | 'adminPassword'>,
  print: (line: string) => void,
): Promise<void> {
  if ((await users.count()) > 0) return;
  const password = config.adminPassword ?? generatePassword();
  let admin;
  try {
    admin = await users.create(config.adminEmail, password, 'admin');
  } catch (err) {
    // Another instance created it first.
    if ((await users.count()) > 0) return;
    throw err;
  }
  await audit.record('system', 'user.create', admin.id, { email: admin.email, role: 'admin', bootstrap: true });
  if (!config.adminPassword) print(`Admin: ${admin.email} / ${password}`);
}
