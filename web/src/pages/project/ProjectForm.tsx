import { useState } from 'react';
import { projects } from '../../api/endpoints.js';
import type { Preset, Project } from '../../api/types.js';
import { Check, SettingsForm } from '../../components/forms.js';
import { Field } from '../../components/ui.js';
import { PresetField } from '../ProjectsPage.js';

/** Repository, preset, default branch and repository credentials (write-only). */
export function ProjectForm({ project, readOnly, onSaved }: { project: Project; readOnly: boolean; onSaved: () => void }) {
  const [repositoryUrl, setRepositoryUrl] = useState(project.repositoryUrl);
  const [preset, setPreset] = useState<Preset>(project.preset);
  const [defaultBranch, setDefaultBranch] = useState(project.defaultBranch);
  const [sshPrivateKey, setSshPrivateKey] = useState('');
  const [httpsToken, setHttpsToken] = useState('');
  const [dropCredentials, setDropCredentials] = useState(false);
  const stored = project.credentials.sshPrivateKey || project.credentials.httpsToken;

  const save = async () => {
    const ssh = sshPrivateKey.trim();
    const token = httpsToken.trim();
    const credentials = dropCredentials ? null : ssh || token ? { ...(ssh ? { sshPrivateKey: ssh + '\n' } : {}), ...(token ? { httpsToken: token } : {}) } : undefined;
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
    onSaved();
  };

  return (
    <SettingsForm title="Project" save={save} label="Save project" readOnly={readOnly}>
      <Field label="Repository">
        <input required value={repositoryUrl} onChange={(e) => setRepositoryUrl(e.target.value)} spellCheck={false} />
      </Field>
      <div className="form-row">
        <PresetField value={preset} onChange={setPreset} hint="The default pipeline; environments override single stages." />
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
        <Check checked={dropCredentials} onChange={setDropCredentials}>
          Remove the stored credentials
        </Check>
      )}
    </SettingsForm>
  );
}
