import { useState } from 'react';
import { freezes } from '../../api/features.js';
import type { FreezePeriod, FreezeWindow } from '../../api/feature-types.js';
import { Async } from '../../components/Async.js';
import { FormError, submitWith, useAction } from '../../components/forms.js';
import { Field } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';

const DAY = 24 * 3600_000;
const WEEKS = 4;
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function startOfWeek(now: Date): Date {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

const fmt = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const describe = (w: FreezeWindow) =>
  w.kind === 'once' ? `${fmt(w.startsAt ?? 0)} – ${fmt(w.endsAt ?? 0)}` : `every “${w.cron}” (${w.timezone}) for ${w.durationMinutes} min`;

/**
 * Freeze windows of the environment (its own and the whole project's): a four-week calendar of the
 * frozen periods, the windows, and a form to add one-off or recurring windows.
 */
export function FreezeSection({ project, env, readOnly }: { project: string; env: string; readOnly: boolean }) {
  const [first] = useState(() => startOfWeek(new Date()));
  const last = new Date(first.getTime() + WEEKS * 7 * DAY);
  const data = useApi(() => freezes.calendar(project, env, first, last), [project, env]);
  return (
    <section className="card" aria-label="Freeze windows">
      <h2>Freeze windows</h2>
      <p className="muted small">Inside a window, pushes and schedules are skipped with its reason; a manual deployment needs an admin’s force with a reason (audited).</p>
      <Async resource={data} what="the freeze windows">
        {({ windows, periods }) => (
          <>
            <Calendar first={first} periods={periods} />
            <WindowList project={project} windows={windows} readOnly={readOnly} onChanged={data.reload} />
            {!readOnly && <AddWindow project={project} env={env} onAdded={data.reload} />}
          </>
        )}
      </Async>
    </section>
  );
}

function Calendar({ first, periods }: { first: Date; periods: FreezePeriod[] }) {
  const days = Array.from({ length: WEEKS * 7 }, (_, i) => new Date(first.getFullYear(), first.getMonth(), first.getDate() + i));
  const today = new Date().toDateString();
  return (
    <div className="freeze-calendar" role="grid" aria-label="Frozen days, four weeks from this week">
      {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
        <div key={d} className="freeze-head" role="columnheader">{d}</div>
      ))}
      {days.map((day) => {
        const start = day.getTime();
        const end = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1).getTime();
        const hits = periods.filter((p) => p.start < end && p.end > start);
        const label = hits.map((p) => `${fmt(Math.max(p.start, start))} – ${fmt(Math.min(p.end, end))}: ${p.reason}`).join('\n');
        return (
          <div
            key={start}
            role="gridcell"
            className={`freeze-day${hits.length ? ' frozen' : ''}${day.toDateString() === today ? ' today' : ''}`}
            title={label || undefined}
            aria-label={`${day.toDateString()}${hits.length ? `: frozen (${hits.map((p) => p.reason).join('; ')})` : ''}`}
          >
            {day.getDate()}
          </div>
        );
      })}
    </div>
  );
}

function WindowList({ project, windows, readOnly, onChanged }: { project: string; windows: FreezeWindow[]; readOnly: boolean; onChanged: () => void }) {
  const removal = useAction();
  if (windows.length === 0) return <p className="muted small">No freeze windows.</p>;
  return (
    <>
      <ul className="link-list small" aria-label="Freeze window list">
        {windows.map((w) => (
          <li key={w.id}>
            <strong>{w.environment ?? 'all environments'}</strong> · {describe(w)} · {w.reason}{' '}
            {!readOnly && (
              <button type="button" className="btn btn-small btn-danger-ghost" disabled={removal.busy} onClick={() => void removal.run(() => freezes.remove(project, w.id)).then((ok) => ok && onChanged())}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <FormError error={removal.error} />
    </>
  );
}

function AddWindow({ project, env, onAdded }: { project: string; env: string; onAdded: () => void }) {
  const [kind, setKind] = useState<'once' | 'recurring'>('once');
  const [scope, setScope] = useState<'env' | 'project'>('env');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [cron, setCron] = useState('0 16 * * FRI');
  const [minutes, setMinutes] = useState('3840');
  const [timezone, setTimezone] = useState(LOCAL_ZONE);
  const [reason, setReason] = useState('');
  const action = useAction();
  const add = () =>
    freezes.add(project, {
      ...(scope === 'env' ? { environment: env } : {}),
      ...(kind === 'once'
        ? { from: from ? new Date(from).toISOString() : '', to: to ? new Date(to).toISOString() : '' }
        : { cron: cron.trim(), durationMinutes: Number(minutes), timezone: timezone.trim() || 'UTC' }),
      reason: reason.trim(),
    });
  const done = () => {
    setReason('');
    onAdded();
  };
  return (
    <form className="form" onSubmit={submitWith(action, add, done)} aria-label="Add a freeze window">
      <h3>Add a window</h3>
      <div className="form-row">
        <Field label="Kind">
          <select value={kind} onChange={(e) => setKind(e.target.value as 'once' | 'recurring')}>
            <option value="once">One-off (from – to)</option>
            <option value="recurring">Recurring (cron + duration)</option>
          </select>
        </Field>
        <Field label="Applies to">
          <select value={scope} onChange={(e) => setScope(e.target.value as 'env' | 'project')}>
            <option value="env">{env} only</option>
            <option value="project">every environment of {project}</option>
          </select>
        </Field>
      </div>
      {kind === 'once' ? (
        <div className="form-row">
          <Field label="From">
            <input type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </Field>
          <Field label="To">
            <input type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
          </Field>
        </div>
      ) : (
        <div className="form-row">
          <Field label="Starts (cron)" hint="Each match starts a freeze, e.g. 0 16 * * FRI (Friday 16:00).">
            <input required value={cron} spellCheck={false} onChange={(e) => setCron(e.target.value)} />
          </Field>
          <Field label="Lasts (minutes)">
            <input type="number" min={1} required value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </Field>
          <Field label="Time zone">
            <input required value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          </Field>
        </div>
      )}
      <Field label="Reason">
        <input required value={reason} placeholder="e.g. year-end change freeze" onChange={(e) => setReason(e.target.value)} />
      </Field>
      <button type="submit" className="btn" disabled={action.busy}>
        Add freeze window
      </button>
      <FormError error={action.error} />
    </form>
  );
}
