import type { DeploymentTarget } from '../api/types.js';
import { duration } from '../components/format.js';
import { Status } from '../components/ui.js';

/** Per-server, per-step progress of a deployment, grouped by stage. */
export function StepProgress({ targets }: { targets: DeploymentTarget[] }) {
  if (targets.length === 0) return <div className="muted small">No servers have started yet.</div>;
  return (
    <div className="targets">
      {targets.map((t) => {
        const done = t.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
        return (
          <section key={t.serverId} className="target" data-server={t.serverName}>
            <header className="target-head">
              <strong>{t.serverName}</strong> <Status status={t.status} />
              <span className="muted small">
                {done} / {t.steps.length} steps
              </span>
            </header>
            <div className="progress" aria-hidden="true">
              <div className="progress-bar" style={{ width: `${t.steps.length ? (done / t.steps.length) * 100 : 0}%` }} />
            </div>
            <ol className="steps">
              {t.steps.map((s) => (
                <li key={s.id} className={`step step-${s.status}`} data-step={s.name} title={s.exitCode !== null ? `exit code ${s.exitCode}` : undefined}>
                  <span className="step-dot" aria-hidden="true" />
                  <span className="step-stage">{s.stage}</span>
                  <span className="step-name">{s.name}</span>
                  <span className="step-time muted">
                    {s.status === 'failed' && s.exitCode !== null ? `exit ${s.exitCode} · ` : ''}
                    {duration(s.durationMs)}
                  </span>
                </li>
              ))}
            </ol>
          </section>
        );
      })}
    </div>
  );
}
