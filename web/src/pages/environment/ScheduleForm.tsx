import { useState } from 'react';
import { schedules } from '../../api/features.js';
import type { Schedule, ScheduleFire } from '../../api/feature-types.js';
import { Async } from '../../components/Async.js';
import { Check, FormError, SaveFooter, submitWith, useAction } from '../../components/forms.js';
import { Ago, Field } from '../../components/ui.js';
import { useApi } from '../../hooks/useApi.js';
import { Link } from '../../router/router.js';

const ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Scheduled deployments of the environment's branch: a cron expression in a time zone, and what the last ticks did. */
export function ScheduleSection({ project, env, readOnly }: { project: string; env: string; readOnly: boolean }) {
  const data = useApi(() => schedules.get(project, env), [project, env]);
  return (
    <section className="card" aria-label="Schedule">
      <h2>Schedule</h2>
      <Async resource={data} what="the schedule">
        {({ schedule, fires }) => <ScheduleForm key={schedule?.updatedAt ?? 'none'} project={project} env={env} schedule={schedule} fires={fires} readOnly={readOnly} onSaved={data.reload} />}
      </Async>
    </section>
  );
}

function ScheduleForm({ project, env, schedule, fires, readOnly, onSaved }: { project: string; env: string; schedule: Schedule | null; fires: ScheduleFire[]; readOnly: boolean; onSaved: () => void }) {
  const [cron, setCron] = useState(schedule?.cron ?? '');
  const [timezone, setTimezone] = useState(schedule?.timezone ?? LOCAL_ZONE);
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const action = useAction();
  const removal = useAction();
  const save = () => schedules.set(project, env, { cron: cron.trim(), timezone: timezone.trim() || 'UTC', enabled });
  return (
    <form className="form" onSubmit={submitWith(action, save, onSaved)}>
      <p className="muted small">
        {schedule
          ? `Deploys the environment’s branch ${schedule.enabled ? 'on this schedule' : '— paused'}; a locked environment records the tick as skipped.`
          : 'No schedule: this environment deploys only when someone (or a push) asks.'}
      </p>
      <fieldset disabled={readOnly} className="plain">
        <div className="form-row">
          <Field label="Cron expression" hint="minute hour day month weekday, e.g. 0 3 * * MON-FRI (six fields: seconds first).">
            <input required value={cron} placeholder="0 3 * * MON-FRI" spellCheck={false} onChange={(e) => setCron(e.target.value)} />
          </Field>
          <Field label="Time zone">
            <input required list="time-zones" value={timezone} onChange={(e) => setTimezone(e.target.value)} />
          </Field>
        </div>
        <datalist id="time-zones">
          {ZONES.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <Check checked={enabled} onChange={setEnabled}>
          Enabled
        </Check>
      </fieldset>
      <SaveFooter action={action} label="Save schedule" readOnly={readOnly} />
      {schedule && !readOnly && (
        <button type="button" className="btn btn-small btn-danger-ghost" disabled={removal.busy} onClick={() => void removal.run(() => schedules.remove(project, env)).then((ok) => ok && onSaved())}>
          Remove schedule
        </button>
      )}
      <FormError error={removal.error} />
      {fires.length > 0 && (
        <>
          <h3>Recent runs</h3>
          <ul className="link-list small" aria-label="Recent scheduled runs">
            {fires.map((f) => (
              <li key={String(f.firedAt)}>
                <Ago iso={f.firedAt} /> · {f.outcome}
                {f.deploymentId && (
                  <>
                    {' '}
                    · <Link to={`/deployments/${f.deploymentId}`}>deployment</Link>
                  </>
                )}
                {f.error && <span className="error-text"> · {f.error}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </form>
  );
}
