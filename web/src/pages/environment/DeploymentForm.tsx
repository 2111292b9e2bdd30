import { useState } from 'react';
import { environments } from '../../api/endpoints.js';
import type { Environment, PipelineOverrides, Server, Strategy } from '../../api/types.js';
import { PipelineEditor } from '../../components/PipelineEditor.js';
import { Check, FormError, SettingsForm } from '../../components/forms.js';
import { Field, Status } from '../../components/ui.js';
import { Link } from '../../router/router.js';

/** Branch, strategy, servers, port, start command, health check and pipeline overrides. */
export function DeploymentForm({ project, env, servers, readOnly, onSaved }: { project: string; env: Environment; servers: Server[]; readOnly: boolean; onSaved: () => void }) {
  const [branch, setBranch] = useState(env.branch);
  const [strategy, setStrategy] = useState<Strategy | null>(env.strategy);
  const [keepReleases, setKeepReleases] = useState(String(env.keepReleases));
  const [healthcheckPath, setHealthcheckPath] = useState(env.healthcheckPath ?? '/up');
  const [startCommand, setStartCommand] = useState(env.startCommand ?? '');
  const [autoRollback, setAutoRollback] = useState(env.autoRollback);
  const [port, setPort] = useState(env.port === null ? '' : String(env.port));
  const [serverIds, setServerIds] = useState(env.serverIds);
  const [pipeline, setPipeline] = useState<{ settings: PipelineOverrides } | { error: string }>({ settings: env.pipeline ?? {} });

  const save = async () => {
    if ('error' in pipeline) throw new Error(pipeline.error);
    await environments.update(project, env.name, {
      branch: branch.trim(),
      strategy,
      keepReleases: Number(keepReleases),
      healthcheckPath: healthcheckPath.trim() || '/up',
      startCommand: startCommand.trim() || null,
      autoRollback,
      port: port.trim() ? Number(port) : null,
      serverIds,
      pipeline: pipeline.settings,
    });
    onSaved();
  };

  return (
    <SettingsForm title="Deployment" save={save} label="Save environment" readOnly={readOnly}>
      <div className="form-row">
        <Field label="Branch">
          <input required value={branch} onChange={(e) => setBranch(e.target.value)} />
        </Field>
        <Field label="Strategy">
          <select value={strategy ?? ''} onChange={(e) => setStrategy(e.target.value === '' ? null : (e.target.value as Strategy))}>
            <option value="">Automatic: blue-green when DevFlow starts the app on a port</option>
            <option value="in-place">In place (symlink switch + reload)</option>
            <option value="blue-green">Blue-green (two slots, proxy switch)</option>
          </select>
        </Field>
      </div>
      <div className="form-row">
        <Field label="Keep releases" hint="Older releases are pruned; these are your rollback targets.">
          <input type="number" min={1} max={100} required value={keepReleases} onChange={(e) => setKeepReleases(e.target.value)} />
        </Field>
        <Field label="Public port" hint="Where the app (or, blue-green, the traffic proxy) listens.">
          <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} />
        </Field>
        <Field label="Health check path">
          <input value={healthcheckPath} placeholder="/up" onChange={(e) => setHealthcheckPath(e.target.value)} />
        </Field>
      </div>
      <Field label="Start command" hint="How the agent starts the app (PORT is set). Empty: the preset’s, e.g. npm start.">
        <input value={startCommand} onChange={(e) => setStartCommand(e.target.value)} spellCheck={false} />
      </Field>
      <Check checked={autoRollback} onChange={setAutoRollback}>
        Roll back automatically when the restart or health check fails after activation
      </Check>
      <fieldset className="options">
        <legend>Servers</legend>
        {servers.length === 0 ? (
          <div className="muted small">
            No servers enrolled yet. <Link to="/servers">Add one</Link>.
          </div>
        ) : (
          servers.map((s) => (
            <Check key={s.id} checked={serverIds.includes(s.id)} onChange={(on) => setServerIds(on ? [...serverIds, s.id] : serverIds.filter((id) => id !== s.id))}>
              {s.name} <Status status={s.status} />
            </Check>
          ))
        )}
      </fieldset>
      <h3>Pipeline overrides</h3>
      <PipelineEditor initial={env.pipeline ?? {}} inheritFrom="the project" onChange={setPipeline} />
      {'error' in pipeline && <FormError error={pipeline.error} />}
    </SettingsForm>
  );
}
