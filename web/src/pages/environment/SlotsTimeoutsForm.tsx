import { useState } from 'react';
import { environments } from '../../api/endpoints.js';
import { DEFAULT_STAGE_TIMEOUTS, STAGES, type Environment, type Stage } from '../../api/types.js';
import { SettingsForm } from '../../components/forms.js';
import { Field } from '../../components/ui.js';

/** Blue-green slot ports and per-stage step timeouts. */
export function SlotsTimeoutsForm({ project, env, readOnly, onSaved }: { project: string; env: Environment; readOnly: boolean; onSaved: () => void }) {
  const initialBlue = env.slotPorts ? String(env.slotPorts.blue) : '';
  const initialGreen = env.slotPorts ? String(env.slotPorts.green) : '';
  const [blue, setBlue] = useState(initialBlue);
  const [green, setGreen] = useState(initialGreen);
  const [hostname, setHostname] = useState(env.hostname ?? '');
  const [timeouts, setTimeouts] = useState<Record<Stage, string>>(
    Object.fromEntries(STAGES.map((s) => [s, String(env.stageTimeouts[s] ?? DEFAULT_STAGE_TIMEOUTS[s])])) as Record<Stage, string>,
  );

  const save = async () => {
    // The API answers effective values only: send a port when it was changed, and only the timeouts that differ from the defaults.
    const port = (value: string) => (value.trim() ? Number(value) : null);
    await environments.update(project, env.name, {
      ...(blue !== initialBlue ? { bluePort: port(blue) } : {}),
      ...(green !== initialGreen ? { greenPort: port(green) } : {}),
      ...(hostname.trim() !== (env.hostname ?? '') ? { hostname: hostname.trim().toLowerCase() || null } : {}),
      stageTimeouts: Object.fromEntries(STAGES.filter((s) => Number(timeouts[s]) !== DEFAULT_STAGE_TIMEOUTS[s]).map((s) => [s, Number(timeouts[s])])),
    });
    onSaved();
  };

  return (
    <SettingsForm title="Slots and timeouts" save={save} label="Save slots and timeouts" readOnly={readOnly}>
      <p className="muted small">
        Blue-green runs the new release on the idle slot, checks its health there, then switches the proxy on the public port
        {env.port ? ` (${env.port})` : ''}. Default slots: port + 1 and port + 2.
      </p>
      <div className="form-row">
        <Field label="Blue slot port">
          <input type="number" min={1} max={65535} value={blue} disabled={!env.port} onChange={(e) => setBlue(e.target.value)} />
        </Field>
        <Field label="Green slot port" hint={env.port ? undefined : 'Set the public port first.'}>
          <input type="number" min={1} max={65535} value={green} disabled={!env.port} onChange={(e) => setGreen(e.target.value)} />
        </Field>
      </div>
      <Field label="Host name" hint="Blue-green only: the proxy sends this environment only requests for this Host, so several environments share the public port. Empty: every host.">
        <input value={hostname} placeholder="staging.example.com" spellCheck={false} disabled={!env.port} onChange={(e) => setHostname(e.target.value)} />
      </Field>
      <h3>Step timeout per stage (seconds)</h3>
      <div className="timeouts-grid">
        {STAGES.map((stage) => (
          <Field key={stage} label={`${stage} timeout`}>
            <input type="number" min={1} max={86_400} required value={timeouts[stage]} onChange={(e) => setTimeouts({ ...timeouts, [stage]: e.target.value })} />
          </Field>
        ))}
      </div>
    </SettingsForm>
  );
}
