import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import { environments, projects } from '../api/endpoints.js';
import type { Preset } from '../api/types.js';
import { Dialog } from '../components/Dialog.js';
import { LiveReleaseLabel } from '../components/deployment-bits.js';
import { Async } from '../components/Async.js';
import { DialogFooter, FormError, submitWith, useAction } from '../components/forms.js';
import { Field, PageHeader } from '../components/ui.js';
import { canManage, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { Link, navigate } from '../router/router.js';

export const PRESETS: Array<{ value: Preset; label: string }> = [
  { value: 'node', label: 'Node.js' },
  { value: 'laravel', label: 'Laravel (PHP)' },
  { value: 'static', label: 'Static site' },
  { value: 'custom', label: 'Custom commands' },
];

export function ProjectsPage() {
  const { user } = useSession();
  const list = useApi(() => projects.list(), []);
  const [creating, setCreating] = useState(false);
  useLive(['deployment'], () => list.reload());

  return (
    <div className="page">
      <PageHeader
        title="Projects"
        actions={
          canManage(user) && (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              New project
            </button>
          )
        }
      />
      <Async
        resource={list}
        what="projects"
        empty={{
          title: 'No projects yet.',
          hint: canManage(user) ? 'A project is a git repository plus the environments it deploys to. Create one to start.' : 'Ask an admin to create one.',
        }}
      >
        {(items) => (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Project</th>
                  <th className="hide-narrow">Repository</th>
                  <th>Environments</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link to={`/projects/${encodeURIComponent(p.name)}`} className="strong">
                        {p.name}
                      </Link>{' '}
                      <span className="tag">{p.preset}</span>
                    </td>
                    <td className="hide-narrow mono small">{p.repositoryUrl}</td>
                    <td>
                      {p.environments.length === 0 ? (
                        <span className="muted">none</span>
                      ) : (
                        p.environments.map((env) => (
                          <div key={env.id} className="small">
                            <strong>{env.name}</strong> <LiveReleaseLabel release={env.liveRelease} />
                          </div>
                        ))
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      {creating && <CreateProjectDialog onClose={() => setCreating(false)} />}
    </div>
  );
}

function CreateProjectDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [repositoryUrl, setRepositoryUrl] = useState('');
  const [preset, setPreset] = useState<Preset>('node');
  const [envName, setEnvName] = useState('production');
  const [branch, setBranch] = useState('main');
  const action = useAction();

  const create = async () => {
    const { project } = await projects.create({ name: name.trim(), repositoryUrl: repositoryUrl.trim(), preset, defaultBranch: branch.trim() || 'main' });
    const created = (project as { name: string }).name;
    if (envName.trim()) {
      try {
        await environments.create(created, { name: envName.trim(), branch: branch.trim() || 'main' });
      } catch (err) {
        // The project exists; send the user to it with the reason the environment failed.
        navigate(`/projects/${encodeURIComponent(created)}/settings?error=${encodeURIComponent(errorMessage(err))}`);
        return;
      }
    }
    navigate(`/projects/${encodeURIComponent(created)}`);
  };

  return (
    <Dialog title="New project" onClose={onClose}>
      <form className="form" onSubmit={submitWith(action, create)}>
        <Field label="Name" hint="Lowercase letters, digits and dashes; used in paths on your servers.">
          <input required pattern="[a-z0-9][a-z0-9-]*" value={name} onChange={(e) => setName(e.target.value)} placeholder="shop" autoFocus />
        </Field>
        <Field label="Repository" hint="https://, ssh://, git@host:path, or an absolute path on the control plane.">
          <input required value={repositoryUrl} onChange={(e) => setRepositoryUrl(e.target.value)} placeholder="https://github.com/acme/shop.git" />
        </Field>
        <PresetField value={preset} onChange={setPreset} hint="The default pipeline; every stage can be changed later in settings." />
        <div className="form-row">
          <Field label="First environment" hint="Leave empty to add environments later.">
            <input value={envName} onChange={(e) => setEnvName(e.target.value)} />
          </Field>
          <Field label="Branch" hint="Also the project’s default branch.">
            <input value={branch} onChange={(e) => setBranch(e.target.value)} disabled={!envName.trim()} />
          </Field>
        </div>
        <FormError error={action.error} />
        <DialogFooter onCancel={onClose} busy={action.busy} label="Create project" busyLabel="Creating…" />
      </form>
    </Dialog>
  );
}

export function PresetField({ value, onChange, hint }: { value: Preset; onChange: (preset: Preset) => void; hint: string }) {
  return (
    <Field label="Preset" hint={hint}>
      <select value={value} onChange={(e) => onChange(e.target.value as Preset)}>
        {PRESETS.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
