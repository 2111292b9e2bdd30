/** Human formats used across pages. */
type When = string | number | null | undefined;

function toMs(value: When): number {
  if (value === null || value === undefined) return NaN;
  return typeof value === 'number' ? value : new Date(value).getTime();
}

export function labelList(labels: Record<string, string> | string[] | null | undefined): string[] {
  if (!labels) return [];
  if (Array.isArray(labels)) return labels;
  return Object.entries(labels).map(([k, v]) => (v ? `${k}=${v}` : k));
}

/** `web, region=eu` → `{web: '', region: 'eu'}`. */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq === -1) out[part] = '';
    else out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
export { toMs };

export function timeAgo(iso: When, now = Date.now()): string {
  if (iso === null || iso === undefined || iso === '') return 'never';
  const t = toMs(iso);
  if (Number.isNaN(t)) return String(iso);
  const s = Math.round((now - t) / 1000);
  // A future instant (an approval's expiry, a next run) reads "in 2 h".
  if (s < -5) {
    const mirrored = timeAgo(2 * now - t, now);
    return mirrored.endsWith(' ago') ? `in ${mirrored.slice(0, -4)}` : new Date(t).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return new Date(t).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function dateTime(iso: When): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(toMs(iso));
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  if (m < 60) return `${m}m ${rest}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '—';
}

export function firstLine(message: string | null | undefined): string {
  return message ? (message.split('\n')[0] ?? '') : '';
}

export function personName(who: string | { email: string } | null | undefined): string {
  if (!who) return 'system';
  return typeof who === 'string' ? who : who.email;
}

export const STATUS_LABEL: Record<string, string> = {
  pending_approval: 'Pending approval',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
  skipped: 'Skipped',
  timed_out: 'Timed out',
  pending: 'Pending',
  online: 'Online',
  offline: 'Offline',
};
