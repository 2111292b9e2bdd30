import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { deployments } from '../api/endpoints.js';
import { ACTIVE_STATUSES, type Deployment, type Environment } from '../api/types.js';
import { CommitLabel, triggerText } from '../components/deployment-bits.js';
import { dateTime, duration, toMs } from '../components/format.js';
import { FormError, useAction } from '../components/forms.js';
import { ErrorBox, Loading, PageHeader, Status } from '../components/ui.js';
import { canDeploy, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { LogViewer } from '../log/LogViewer.js';
import { LogStore } from '../log/store.js';
import { useLogStream } from '../log/useLogStream.js';
import { Link } from '../router/router.js';
import { ApprovalPanel } from './approvals/ApprovalPanel.js';
import { RollbackDialog, environmentOf } from './RollbackDialog.js';
import { useRollbackTargets } from './rollback-targets.js';
import { StepProgress } from './StepProgress.js';

/** One deployment: summary, per-server step progress, and the live log. */
export function DeploymentPage({ id }: { id: string }) {
  const { user } = useSession();
  const detail = useApi(() => deployments.get(id), [id]);
  const store = useMemo(() => new LogStore(), [id]);
  const action = useAction();
  const [rollback, setRollback] = useState<{ env: Environment; release?: string } | null>(null);

  const streamState = useLogStream(id, store, () => detail.reload());
  useLive(['deployment'], (data) => {
    const changed = (data as { id?: string; deploymentId?: string } | null) ?? {};
    if (!changed.id && !changed.deploymentId) detail.reload();
    else if (changed.id === id || changed.deploymentId === id) detail.reload();
  });
  useReloadOnNewStep(store, detail.reload);
  const finishedOk = detail.data?.status === 'succeeded' && canDeploy(user);
  const targets = useRollbackTargets(finishedOk && detail.data ? [detail.data] : []);

  const d = detail.data;
  if (detail.error && !d) return <div className="page"><ErrorBox error={detail.error} retry={detail.reload} /></div>;
  if (!d) return <div className="page"><Loading what="the deployment" /></div>;

  const active = ACTIVE_STATUSES.includes(d.status);
  const serverNames: Record<string, string> = {};
  for (const t of d.targets ?? []) serverNames[t.serverId] = t.serverName;

  const cancel = () => void action.run(() => deployments.cancel(d.id)).then(detail.reload);
  // This deployment's release: roll back to it when the rule allows; when it is the live one, roll back from it.
  const release = targets.releaseOf(d);
  const rollbackTo = release?.rollback.allowed ? release.releaseId : undefined;
  const rollbackFrom = release && !release.rollback.allowed && release.rollback.reason === 'already_live';
  const openRollback = () => void action.run(async () => setRollback({ env: await environmentOf(d), ...(rollbackTo ? { release: rollbackTo } : {}) }));

  return (
    <div className="page page-deployment">
      <PageHeader
        title={
          <>
            <Status status={d.status} /> {d.kind === 'rollback' ? 'Rollback of' : 'Deploy of'}{' '}
            <Link to={`/projects/${encodeURIComponent(d.projectName)}`}>{d.projectName}</Link> to {d.environmentName}
          </>
        }
        sub={<CommitLabel commit={d.commit} branch={d.branch} />}
        actions={
          <>
            {active && canDeploy(user) && (
              <button type="button" className="btn btn-danger" disabled={action.busy} onClick={cancel}>
                {d.status === 'running' ? 'Cancel deployment' : 'Cancel'}
              </button>
            )}
            {finishedOk && (rollbackTo || rollbackFrom) && (
              <button type="button" className="btn" disabled={action.busy} onClick={openRollback}>
                {rollbackTo ? 'Roll back to this…' : 'Roll back…'}
              </button>
            )}
          </>
        }
      />
      <FormError error={action.error} />
      {d.status === 'pending_approval' && <ApprovalPanel deploymentId={d.id} onDecided={detail.reload} />}
      {d.reason && (
        <div className={d.status === 'failed' || d.status === 'timed_out' ? 'state state-error' : 'state state-warn'} data-testid="deployment-reason">
          {d.reason}
          {d.blockedBy?.startsWith('dep_') && (
            <>
              {' '}
              <Link to={`/deployments/${d.blockedBy}`}>Open the failed deployment</Link>
            </>
          )}
        </div>
      )}
      {d.failure && (
        <section className="card failure" data-testid="deployment-failure">
          <h2>
            Failed on {d.failure.serverName} at {d.failure.stage} › {d.failure.step}
            {d.failure.exitCode !== null && <span className="tag">exit {d.failure.exitCode}</span>}
          </h2>
          {d.failure.error && <div className="error-text">{d.failure.error}</div>}
          {d.failure.lastLines.length > 0 && <pre className="failure-lines">{d.failure.lastLines.join('\n')}</pre>}
        </section>
      )}
      <section className="card facts">
        <Fact label="Trigger">{triggerText(d)}</Fact>
        <Fact label="Branch">{d.branch ?? '—'}</Fact>
        <Fact label="Commit">
          {d.commit ? (
            <span title={d.commit.sha}>
              <code className="sha">{d.commit.sha.slice(0, 10)}</code> by {d.commit.author}
            </span>
          ) : (
            '—'
          )}
        </Fact>
        <Fact label="Started">{dateTime(d.startedAt ?? d.createdAt)}</Fact>
        <Fact label="Duration">{d.status === 'running' && d.startedAt ? <Elapsed since={d.startedAt} /> : duration(d.durationMs)}</Fact>
        {d.status === 'queued' && d.queuePosition !== null && <Fact label="Queue position">#{d.queuePosition}</Fact>}
        <Fact label="Options">{optionsText(d)}</Fact>
        {d.rollbackOf && (
          <Fact label="Restores">
            <Link to={`/deployments/${d.rollbackOf}`}>deployment {d.rollbackOf.slice(0, 8)}</Link>
          </Fact>
        )}
      </section>
      <section className="card">
        <h2>Progress</h2>
        <StepProgress targets={d.targets ?? []} />
      </section>
      <LogViewer store={store} streamState={streamState} serverNames={serverNames} downloadUrl={deployments.logUrl(d.id)} downloadName={`deployment-${d.id}.log`} />
      {rollback && <RollbackDialog project={d.projectName} env={rollback.env} release={rollback.release} onClose={() => setRollback(null)} />}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <div className="fact-label">{label}</div>
      <div className="fact-value">{children}</div>
    </div>
  );
}

function optionsText(d: Deployment): string {
  const o = d.options;
  if (!o) return 'defaults';
  const extra = o as { restoreVariables?: boolean; runDownMigration?: boolean; autoRollback?: boolean };
  const parts = [
    o.skipMigrations && 'skip migrations',
    o.skipCache && 'skip cache',
    o.force && 'force',
    o.serverIds?.length && `${o.serverIds.length} server(s)`,
    extra.restoreVariables && 'restore variables',
    extra.runDownMigration && 'down-migration',
    extra.autoRollback && 'auto rollback',
  ];
  const text = parts.filter(Boolean).join(', ');
  return text || 'defaults';
}

function Elapsed({ since }: { since: string | number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <>{duration(now - toMs(since))}</>;
}

/** A log line from a step we have not seen yet means progress moved on: re-read the detail. */
function useReloadOnNewStep(store: LogStore, reload: () => void): void {
  const seen = useRef(new Set<string>());
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => {
    let checked = 0;
    return store.subscribe(() => {
      let fresh = false;
      for (; checked < store.lines.length; checked++) {
        const step = store.lines[checked]!.stepId;
        if (!seen.current.has(step)) {
          seen.current.add(step);
          fresh = true;
        }
      }
      if (fresh) reloadRef.current();
    });
  }, [store]);
}
