import { projects } from '../api/endpoints.js';
import { useApi } from '../hooks/useApi.js';

/** The project and environment selects of a filter bar (history, metrics); picking a project clears the environment. */
export function ProjectEnvFilter({
  project,
  environment,
  onChange,
}: {
  project: string | undefined;
  environment: string | undefined;
  onChange: (changes: { project?: string | undefined; environment?: string | undefined }) => void;
}) {
  const list = useApi(() => projects.list(), []);
  const envNames = [...new Set((list.data ?? []).filter((p) => !project || p.name === project).flatMap((p) => p.environments.map((e) => e.name)))];
  return (
    <>
      <select aria-label="Project" value={project ?? ''} onChange={(e) => onChange({ project: e.target.value || undefined, environment: undefined })}>
        <option value="">All projects</option>
        {(list.data ?? []).map((p) => (
          <option key={p.id} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
      <select aria-label="Environment" value={environment ?? ''} onChange={(e) => onChange({ environment: e.target.value || undefined })}>
        <option value="">All environments</option>
        {envNames.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </>
  );
}
