import type { Config } from '../config.js';
import type { AuditLog } from '../audit/audit.js';
import { generatePassword } from './password.js';
import type { UserService } from './users.js';

/**
 * First start: create the admin from DEVFLOW_ADMIN_EMAIL / DEVFLOW_ADMIN_PASSWORD. A generated
 * password is printed once; it is never stored in clear, so it cannot be printed again — a lost
 * one is replaced by starting once with DEVFLOW_RESET_ADMIN_PASSWORD=on.
 */
export async function ensureAdmin(
  users: UserService,
  audit: AuditLog,
  config: Pick<Config, 'adminEmail' | 'adminPassword' | 'resetAdminPassword'>,
  print: (line: string) => void,
): Promise<void> {
  if (config.resetAdminPassword) {
    const existing = await users.findByEmail(config.adminEmail);
    if (existing) return resetAdminPassword(users, audit, existing, config.adminPassword, print);
  }
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

async function resetAdminPassword(
  users: UserService,
  audit: AuditLog,
  user: { id: string; email: string; role: string },
  configured: string | undefined,
  print: (line: string) => void,
): Promise<void> {
  const password = configured ?? generatePassword();
  await users.setPassword(user.id, password);
  await audit.record('system', 'user.password_reset', user.id, { email: user.email, reason: 'DEVFLOW_RESET_ADMIN_PASSWORD' });
  print(`Admin password reset (DEVFLOW_RESET_ADMIN_PASSWORD is on; turn it off again): ${user.email}${configured ? '' : ` / ${password}`}`);
}
