import { useState } from 'react';
import { environments, servers } from '../../api/endpoints.js';
import type { Environment } from '../../api/types.js';
import { DeleteCard, FormError, submitWith, useAction } from '../../components/forms.js';
import { personName } from '../../components/format.js';
import { Ago, ErrorBox, Loading, PageHeader } from '../../components/ui.js';
import { canManage, useSession } from '../../hooks/session.js';
import { useApi } from '../../hooks/useApi.js';
import { Link, navigate } from '../../router/router.js';
import { VariablesEditor } from '../VariablesEditor.js';
import { DeploymentForm } from './DeploymentForm.js';
import { GatesForm } from './GatesForm.js';
import { ScheduleSection } from './ScheduleForm.js';
import { FreezeSection } from './FreezeSection.js';
import { SlotsTimeoutsForm } from './SlotsTimeoutsForm.js';

/** One environment's settings: deployment, slots and timeouts, approvals, schedule, variables, lock. */
export function EnvironmentSettingsPage({ project, env }: { project: string; env: string }) {
  const data = useApi(() => environments.get(project, env), [project, env]);
  const serverList = useApi(() => servers.list(), []);
  const { user } = useSession();
  if (data.error) return <div className="page"><ErrorBox error={data.error} retry={data.reload} /></div>;
  if (!data.data) return <div className="page"><Loading what="the environment" /></div>;
  const e = data.data;
  const readOnly = !canManage(user);
  const common = { project, env: e, readOnly, onSaved: data.reload };
  return (
    <div className="page">
      <PageHeader
        title={
          <>
            <Link to={`/projects/${encodeURIComponent(project)}`}>{project}</Link> / {e.name}
          </>
        }
        sub={readOnly ? 'Environment settings (read-only: maintainers and admins change them)' : 'Environment settings'}
      />
      <DeploymentForm key={`d-${e.id}`} {...common} servers={serverList.data ?? []} />
      <GatesForm key={`g-${e.id}`} {...common} />
      <ScheduleSection project={project} env={e.name} readOnly={readOnly} />
      <FreezeSection project={project} env={e.name} readOnly={readOnly} />
      <SlotsTimeoutsForm key={`s-${e.id}`} {...common} />
      <VariablesEditor key={`v-${e.id}`} project={project} env={e} canEdit={!readOnly} onSaved={data.reload} />
      {!readOnly && <LockSection project={project} env={e} onChanged={data.reload} />}
      {!readOnly && (
        <DeleteCard
          title="Delete environment"
          name={e.name}
          note="Removes the environment and its settings from DevFlow. Releases already on servers stay where they are."
          remove={async () => {
            await environments.remove(project, e.name);
            navigate(`/projects/${encodeURIComponent(project)}/settings`);
          }}
        />
      )}
    </div>
  );
}

function LockSection({ project, env, onChanged }: { project: string; env: Environment; onChanged: () => void }) {
  const [reason, setReason] = useState('');
  const action = useAction();
  const done = () => {
    setReason('');
    onChanged();
  };
  return (
    <section className="card">
      <h2>Deploy lock</h2>
      {env.lock ? (
        <div className="inline-form">
          <span>
            Locked by {personName(env.lock.by)} <Ago iso={env.lock.since} />
            {env.lock.reason ? `: ${env.lock.reason}` : ''}
          </span>
          <button type="button" className="btn" disabled={action.busy} onClick={() => void action.run(() => environments.unlock(project, env.name)).then((ok) => ok && done())}>
            Unlock
          </button>
        </div>
      ) : (
        <form className="inline-form" onSubmit={submitWith(action, () => environments.lock(project, env.name, reason.trim()), done)}>
          <input aria-label="Lock reason" required placeholder="Why? e.g. release freeze until Monday" value={reason} onChange={(e) => setReason(e.target.value)} />
          <button type="submit" className="btn" disabled={action.busy}>
            Lock deployments
          </button>
        </form>
      )}
      <FormError error={action.error} />
    </section>
  );
}
