import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { usesSlots, type Strategy } from '../pipeline/settings.js';

/** An environment's port settings as stored (null slot ports: the defaults). */
export interface PortSettings {
  port: number | null;
  bluePort: number | null;
  greenPort: number | null;
  strategy: Strategy | null;
  /** Host-header routing: blue-green environments with different host names share a public port. */
  hostname?: string | null;
}

/** Lowest port an environment may use (1-1023 are privileged). */
export const MIN_APP_PORT = 1024;

interface PortUse {
  port: number;
  use: 'public port' | 'blue slot port' | 'green slot port';
  field: 'port' | 'bluePort' | 'greenPort';
}

/** Documented default: blue = port + 1, green = port + 2. */
export function slotPortsOf(s: Pick<PortSettings, 'port' | 'bluePort' | 'greenPort'>): { blue: number; green: number } | null {
  return s.port === null ? null : { blue: s.bluePort ?? s.port + 1, green: s.greenPort ?? s.port + 2 };
}

/**
 * The ports an environment takes on each of its servers: its public port, and its slot ports unless
 * it is pinned to in-place (a strategy left unchosen turns blue-green for an app DevFlow starts).
 */
function portUses(s: PortSettings): PortUse[] {
  const slots = slotPortsOf(s);
  if (s.port === null || slots === null) return [];
  const uses: PortUse[] = [{ port: s.port, use: 'public port', field: 'port' }];
  if (s.strategy !== 'in-place') uses.push({ port: slots.blue, use: 'blue slot port', field: 'bluePort' }, { port: slots.green, use: 'green slot port', field: 'greenPort' });
  return uses;
}

/**
 * Refuses port settings that cannot work: a port used twice by the environment itself (400), or one
 * another environment on a shared server already takes (409), which would make a deployment fail
 * with "address in use" or send traffic to the wrong app.
 */
export async function checkPorts(db: Db, self: PortSettings & { id: string | null }, serverRefs: readonly string[], reserved: readonly number[] = []): Promise<void> {
  const mine = portUses(self);
  for (const [i, use] of mine.entries()) {
    // Below 1024 needs root (the agent runs unprivileged) and belongs to system services.
    if (use.port < MIN_APP_PORT) throw new AppError('VALIDATION_FAILED', `${use.field}: port ${use.port} is a privileged port (1-1023); use ${MIN_APP_PORT} or above and put nginx/Caddy in front for 80/443`, { field: use.field });
    if (reserved.includes(use.port)) throw new AppError('VALIDATION_FAILED', `${use.field}: port ${use.port} is the control plane's own port; choose another`, { field: use.field });
    if (use.port > 65535) {
      throw new AppError('VALIDATION_FAILED', `${use.field}: the default ${use.use} would be ${use.port}; set bluePort and greenPort (or strategy in-place)`, { field: use.field });
    }
    const twice = mine.slice(0, i).find((u) => u.port === use.port);
    if (twice) throw new AppError('VALIDATION_FAILED', `${use.field}: port ${use.port} is already this environment's ${twice.use}`, { field: use.field });
  }
  if (mine.length === 0 || serverRefs.length === 0) return;
  const refs = [...new Set(serverRefs)];
  const marks = refs.map(() => '?').join(', ');
  const rs = await db.execute({
    sql: `SELECT e.id, e.name, p.name AS project_name, e.port, e.blue_port, e.green_port, e.strategy, e.hostname, s.name AS server_name
          FROM environment_servers es JOIN environments e ON e.id = es.environment_id JOIN projects p ON p.id = e.project_id JOIN servers s ON s.id = es.server_id
          WHERE (s.id IN (${marks}) OR s.name IN (${marks})) AND e.id <> ? AND e.port IS NOT NULL`,
    args: [...refs, ...refs, self.id ?? ''],
  });
  for (const r of rs.rows) {
    const theirs = portUses({
      port: Number(r.port),
      bluePort: r.blue_port === null ? null : Number(r.blue_port),
      greenPort: r.green_port === null ? null : Number(r.green_port),
      strategy: r.strategy === null ? null : (String(r.strategy) as Strategy),
    });
    const theirHost = r.hostname === null || r.hostname === undefined ? null : String(r.hostname);
    for (const use of mine) {
      const clash = theirs.find((t) => t.port === use.port);
      if (!clash) continue;
      if (sharesPublicPort(self, use, clash, String(r.strategy ?? ''), theirHost)) continue;
      if (use.field === 'port' && clash.field === 'port' && (self.hostname ?? null) !== null && self.hostname === theirHost) {
        throw new AppError('CONFLICT', `hostname: ${theirHost} on port ${use.port} is already ${String(r.project_name)}/${String(r.name)}'s on server "${String(r.server_name)}"`, { field: 'hostname' });
      }
      const slots = use.field !== 'port' || clash.field !== 'port';
      throw new AppError(
        'CONFLICT',
        `${use.field}: port ${use.port} (this environment's ${use.use}) is the ${clash.use} of ${String(r.project_name)}/${String(r.name)} on server "${String(r.server_name)}"; ` +
          `choose another port${slots ? ', or set bluePort/greenPort (or strategy in-place for an environment that needs no slots)' : ''}`,
        { field: use.field },
      );
    }
  }
}

/**
 * Two environments behind the proxy (blue-green, canary) may share a public port when the proxy can tell their requests
 * apart: different host names (one of them may have none and answers every other host).
 */
function sharesPublicPort(self: PortSettings, use: PortUse, clash: PortUse, theirStrategy: string, theirHost: string | null): boolean {
  if (use.field !== 'port' || clash.field !== 'port') return false;
  if (!usesSlots(self.strategy) || !usesSlots(theirStrategy as Strategy)) return false;
  const mine = self.hostname ?? null;
  return mine !== theirHost && (mine !== null || theirHost !== null);
}
