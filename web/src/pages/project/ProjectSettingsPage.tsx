import { useState } from 'react';
import { environments, projects } from '../../api/endpoints.js';
import type { Project } from '../../api/types.js';
import { DeleteCard, FormError, submitWith, useAction } from '../../components/forms.js';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/ui.js';
import { canManage, useSession } from '../../hooks/session.js';
import { useApi } from '../../hooks/useApi.js';
import { Link, navigate, useLocation } from '../../router/router.js';
import { NotificationsSection } from './notifications/NotificationsSection.js';
import { ProjectForm } from './ProjectForm.js';
import { WebhookSection } from './WebhookSection.js';

/** Repository and preset of a project; its environments, push webhook and notifications; deleting it. */
export function ProjectSettingsPage({ project }: { project: string }) {
  const data = useApi(() => projects.get(project), [project]);
  const { user } = useSession();
  const { query } = useLocation();
  if (data.error) return <div className="page"><ErrorBox error={data.error} retry={data.reload} /></div>;
  if (!data.data) return <div className="page"><Loading what="settings" /></div>;
  const p = data.data;
  const manage = canManage(user);
  return (
    <div className="page">
      <PageHeader
        title={
          <>
            <Link to={`/projects/${encodeURIComponent(p.name)}`}>{p.name}</Link> · settings
          </>
        }
      />
      <FormError error={query.get('error')} />
      <ProjectForm key={p.id} project={p} readOnly={!manage} onSaved={data.reload} />
      <EnvironmentsSection project={p} canManage={manage} onChanged={data.reload} />
      <WebhookSection project={p.name} canManage={manage} />
      {manage ? (
        <NotificationsSection project={p} />
      ) : (
        <section className="card">
          <h2>Notifications</h2>
          <p className="muted small">Maintainers and admins set up where deployment news goes (email, Slack, Discord, Teams, SMS, webhooks).</p>
        </section>
      )}
      {manage && (
        <DeleteCard
          title="Delete project"
          name={p.name}
          note="Removes the project, its environments and history from DevFlow. Releases already on servers stay where they are."
          remove={async () => {
            await projects.remove(p.name);
            navigate('/projects');
          }}
        />
      )}
    </div>
  );
}

function EnvironmentsSection({ project, canManage, onChanged }: { project: Project; canManage: boolean; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [branch, setBranch] = useState(project.defaultBranch);
  const action = useAction();
  const envPath = (env: string) => `/projects/${encodeURIComponent(project.name)}/environments/${encodeURIComponent(env)}`;
  const add = async () => {
    const env = await environments.create(project.name, { name: name.trim(), branch: branch.trim() });
    navigate(envPath(env.name));
    onChanged();
  };
  return (
    <section className="card">
      <h2>Environments</h2>
      {project.environments.length === 0 ? (
        <Empty title="No environments yet." />
      ) : (
        <ul className="link-list">
          {project.environments.map((env) => (
            <li key={env.id}>
              <Link to={envPath(env.name)}>{env.name}</Link>{' '}
              <span className="muted small">
                {env.branch} · {env.serverIds.length} server{env.serverIds.length === 1 ? '' : 's'} · {env.variables.length} variable
                {env.variables.length === 1 ? '' : 's'}
                {env.approval.required ? ' · approval required' : ''}
                {env.autoDeploy ? ' · deploys on push' : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {canManage && (
        <form className="inline-form" onSubmit={submitWith(action, add)}>
          <input aria-label="New environment name" required placeholder="staging" pattern="[a-z0-9][a-z0-9-]*" value={name} onChange={(e) => setName(e.target.value)} />
          <input aria-label="Branch of the new environment" required placeholder="branch" value={branch} onChange={(e) => setBranch(e.target.value)} />
          <button type="submit" className="btn" disabled={action.busy}>
            Add environment
          </button>
        </form>
      )}
      <FormError error={action.error} />
    </section>
  );
}
