import { AppError } from '../errors.js';
import type { ServerService } from '../servers/service.js';

/**
 * A deployment that cannot run on its servers (none online, an agent away, too little disk).
 * At request time it is recorded as `failed` with this message, so the user sees why at once.
 */
export class PreflightError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
  }
}

const GiB = 1024 * 1024 * 1024;
const size = (bytes: number): string => (bytes >= GiB / 10 ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / (1024 * 1024))} MiB`);

/**
 * Every target server must be online and report at least `minFreeDiskBytes` free in its data
 * dir (the agent's host facts). Checked when a deployment is requested; when it starts only the
 * disk is checked again (an agent away at that point gets the grace period, see orchestrator/watch.ts).
 */
export async function checkServers(
  servers: Pick<ServerService, 'find'>,
  targets: readonly { id: string; name: string }[],
  minFreeDiskBytes: number,
  options: { requireOnline?: boolean } = {},
): Promise<void> {
  if (targets.length === 0) throw new PreflightError('the environment has no servers; assign at least one server to it');
  const records = await Promise.all(targets.map(async (t) => ({ t, s: await servers.find(t.id) })));
  if (options.requireOnline === false) return checkDisk(records, minFreeDiskBytes);
  const offline = records.filter((r) => r.s?.status !== 'online').map((r) => r.t.name);
  if (offline.length === records.length) {
    throw new PreflightError(`no online server: ${offline.map((n) => `"${n}"`).join(', ')} ${offline.length === 1 ? 'is' : 'are'} offline; start the agent (systemctl status devflow-agent) and deploy again`, { offline });
  }
  if (offline.length > 0) {
    throw new PreflightError(`server${offline.length === 1 ? '' : 's'} ${offline.map((n) => `"${n}"`).join(', ')} offline; bring the agent back or deploy to the online servers only (serverIds)`, { offline });
  }
  checkDisk(records, minFreeDiskBytes);
}

function checkDisk(records: { t: { name: string }; s: Awaited<ReturnType<ServerService['find']>> }[], minFreeDiskBytes: number): void {
  if (minFreeDiskBytes <= 0) return;
  for (const { t, s } of records) {
    const free = s?.host?.diskFreeBytes;
    if (free !== undefined && free < minFreeDiskBytes) {
      throw new PreflightError(
        `server "${t.name}" has only ${size(free)} free in ${s?.host?.dataDir ?? 'its data dir'} (at least ${size(minFreeDiskBytes)} needed); free some disk space (old releases, logs) and deploy again`,
        { server: t.name, diskFreeBytes: free, minFreeDiskBytes },
      );
    }
  }
}
