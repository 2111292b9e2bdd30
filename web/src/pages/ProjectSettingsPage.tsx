import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client.js';
import { environments, projects } from '../api/endpoints.js';
import type { Preset, Project } from '../api/types.js';
import { Empty, ErrorBox, Field, Loading, PageHeader } from '../components/ui.js';
import { canManage, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { Link, navigate, useLocation } from '../router/router.js';
import { PRESETS } from './ProjectsPage.js';

/** Repository, preset and default pipeline of a project; its environments; deleting it. */
export function ProjectSettingsPage({ project }: { project: string }) {
  const data = useApi(() => projects.get(project), [project]);
  const { query } = useLocation();
  if (data.error) return <div className="page"><ErrorBox error={data.error} retry={data.reload} /></div>;
  if (!data.data) return <div className="page"><Loading what="settings" /></div>;
  const p = data.data;
  return (
    <div className="page">
      <PageHeader
        title={
          <>
            <Link to={`/projects/${encodeURIComponent(p.name)}`}>{p.name}</Link> · settings
          </>
        }
      />
      {query.get('error') && (
        <div className="state state-error" role="alert">
          {query.get('error')}
        </div>
      )}
      <ProjectForm key={p.id} project={p} onSaved={data.reload} />
      <EnvironmentsSection project={p} onChanged={data.reload} />
      <DangerZone project={p} />
    </div>
  );
}

function ProjectForm({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const { user } = useSession();
  const [repositoryUrl, setRepositoryUrl] = useState(project.repositoryUrl);
  const [preset, setPreset] = useState<Preset>(project.preset);
  const [defaultBranch, setDefaultBranch] = useState(project.defaultBranch);
  const [sshPrivateKey, setSshPrivateKey] = useState('');
  const [httpsToken, setHttpsToken] = useState('');
  const [dropCredentials, setDropCredentials] = useState(false);
  const [state, setState] = useState<{ busy?: boolean; error?: string; saved?: boolean }>({});
  const stored = project.credentials.sshPrivateKey || project.credentials.httpsToken;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    const credentials = dropCredentials
      ? null
      : sshPrivateKey.trim() || httpsToken.trim()
        ? { ...(sshPrivateKey.trim() ? { sshPrivateKey: sshPrivateKey.trim() + '\n' } : {}), ...(httpsToken.trim() ? { httpsToken: httpsToken.trim() } : {}) }
        : undefined;
    try {
      // A URL shown with "***" hides a password: sending it back would store the mask.
      const urlChanged = repositoryUrl.trim() !== project.repositoryUrl;
      await projects.update(project.name, {
        ...(urlChanged ? { repositoryUrl: repositoryUrl.trim() } : {}),
        preset,
        defaultBranch: defaultBranch.trim(),
        ...(credentials !== undefined ? { credentials } : {}),
      });
      setSshPrivateKey('');
      setHttpsToken('');
      setDropCredentials(false);
      setState({ saved: true });
      onSaved();
    } catch (err) {
      setState({ error: errorMessage(err) });
    }
  };
  const readOnly = !canManage(user);
  return (
    <form className="card form" onSubmit={(event) => void submit(event)}>
      <h2>Project</h2>
      <fieldset disabled={readOnly} className="plain">
        <Field label="Repository">
          <input required value={repositoryUrl} onChange={(e) => setRepositoryUrl(e.target.value)} spellCheck={false} />
        </Field>
        <div className="form-row">
          <Field label="Preset" hint="The default pipeline; environments override single stages.">
            <select value={preset} onChange={(e) => setPreset(e.target.value as Preset)}>
              {PRESETS.map((x) => (
                <option key={x.value} value={x.value}>
                  {x.label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Default branch">
            <input required value={defaultBranch} onChange={(e) => setDefaultBranch(e.target.value)} />
          </Field>
        </div>
        <h3>Repository credentials</h3>
        <p className="muted small">
          {stored
            ? `Stored: ${[project.credentials.sshPrivateKey && 'SSH deploy key', project.credentials.httpsToken && 'HTTPS token'].filter(Boolean).join(' and ')}. Values are never shown; enter new ones to replace them.`
            : 'None stored. Public repositories and local paths need none.'}
        </p>
        <Field label="SSH private key (deploy key)">
          <textarea rows={3} value={sshPrivateKey} onChange={(e) => setSshPrivateKey(e.target.value)} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" spellCheck={false} />
        </Field>
        <Field label="HTTPS token">
          <input type="password" autoComplete="off" value={httpsToken} onChange={(e) => setHttpsToken(e.target.value)} />
        </Field>
        {stored && (
          <label className="check">
            <input type="checkbox" checked={dropCredentials} onChange={(e) => setDropCredentials(e.target.checked)} /> Remove the stored credentials
          </label>
        )}
      </fieldset>
      {state.error && (
        <div className="state state-error" role="alert">
          {state.error}
        </div>
      )}
      {!readOnly && (
        <footer className="form-footer">
          {state.saved && <span className="ok-text">Saved.</span>}
          <button type="submit" className="btn btn-primary" disabled={state.busy}>
            {state.busy ? 'Saving…' : 'Save project'}
          </button>
        </footer>
      )}
    </form>
  );
}

function EnvironmentsSection({ project, onChanged }: { project: Project; onChanged: () => void }) {
  const { user } = useSession();
  const [name, setName] = useState('');
  const [branch, setBranch] = useState('main');
  const [error, setError] = useState<string | null>(null);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const env = await environments.create(project.name, { name: name.trim(), branch: branch.trim() });
      navigate(`/projects/${encodeURIComponent(project.name)}/environments/${encodeURIComponent(env.name)}`);
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
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
              <Link to={`/projects/${encodeURIComponent(project.name)}/environments/${encodeURIComponent(env.name)}`}>{env.name}</Link>{' '}
              <span className="muted small">
                {env.branch} · {env.serverIds.length} server{env.serverIds.length === 1 ? '' : 's'} · {env.variables.length} variable
                {env.variables.length === 1 ? '' : 's'}
              </span>
            </li>
          ))}
        </ul>
      )}
      {canManage(user) && (
        <form className="inline-form" onSubmit={(event) => void add(event)}>
          <input aria-label="New environment name" required placeholder="staging" pattern="[a-z0-9][a-z0-9-]*" value={name} onChange={(e) => setName(e.target.value)} />
          <input aria-label="Branch of the new environment" required placeholder="branch" value={branch} onChange={(e) => setBranch(e.target.value)} />
          <button type="submit" className="btn">
            Add environment
          </button>
        </form>
      )}
      {error && (
        <div className="state state-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}

function DangerZone({ project }: { project: Project }) {
  const { user } = useSession();
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!canManage(user)) return null;
  const remove = async () => {
    try {
      await projects.remove(project.name);
      navigate('/projects');
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card danger">
      <h2>Delete project</h2>
      <p className="muted small">Removes the project, its environments and history from DevFlow. Releases already on servers stay where they are.</p>
      <div className="inline-form">
        <input aria-label="Type the project name to confirm" placeholder={`type ${project.name} to confirm`} value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        <button type="button" className="btn btn-danger" disabled={confirm !== project.name} onClick={() => void remove()}>
          Delete {project.name}
        </button>
      </div>
      {error && (
        <div className="state state-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}
