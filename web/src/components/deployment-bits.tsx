import type { ReactNode } from 'react';
import type { Commit, Deployment, LiveRelease } from '../api/types.js';
import { Link } from '../router/router.js';
import { duration, firstLine, personName, shortSha } from './format.js';
import { Ago, Status } from './ui.js';

/** Pieces that show a deployment the same way on every page. */
export function CommitLabel({ commit, branch }: { commit: Commit | string | null | undefined; branch?: string | null }) {
  if (!commit) return <span className="muted">{branch ? `${branch} (commit not resolved yet)` : '—'}</span>;
  if (typeof commit === 'string') return <code className="sha">{shortSha(commit)}</code>;
  return (
    <span className="commit" title={`${commit.sha}\n${commit.message}\n— ${commit.author}`}>
      <code className="sha">{shortSha(commit.sha)}</code> <span className="commit-msg">{firstLine(commit.message)}</span>
    </span>
  );
}

export function LiveReleaseLabel({ release }: { release: LiveRelease | null }) {
  if (!release) return <span className="muted">Nothing deployed yet</span>;
  return (
    <span className="live-release">
      <CommitLabel commit={release.commit} />{' '}
      <span className="muted">
        · <Ago iso={release.at} />
        {release.by ? ` by ${personName(release.by)}` : ''}
      </span>
    </span>
  );
}

export function triggerText(d: Deployment): string {
  const who = d.triggeredBy ? d.triggeredBy.email : null;
  const kind = d.kind === 'rollback' ? 'rollback' : d.trigger;
  return who ? `${kind} by ${who}` : kind;
}

/** A table of deployments with links; `showProject` off on a project's own page. */
export function DeploymentTable({
  items,
  showProject = true,
  actions,
}: {
  items: Deployment[];
  showProject?: boolean;
  actions?: (d: Deployment) => ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="table deployments-table">
        <thead>
          <tr>
            <th>Status</th>
            {showProject && <th>Project</th>}
            <th>Environment</th>
            <th>Commit</th>
            <th className="hide-narrow">Trigger</th>
            <th className="hide-narrow">Started</th>
            <th className="hide-narrow">Duration</th>
            {actions && <th aria-label="Actions" />}
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-deployment-id={d.id} data-status={d.status}>
              <td>
                <Link to={`/deployments/${d.id}`} className="row-link">
                  <Status status={d.status} />
                </Link>
                {d.kind === 'rollback' && <span className="tag tag-rollback">rollback</span>}
                {d.queuePosition !== null && d.status === 'queued' && <span className="tag">#{d.queuePosition}</span>}
              </td>
              {showProject && (
                <td>
                  <Link to={`/projects/${encodeURIComponent(d.projectName)}`}>{d.projectName}</Link>
                </td>
              )}
              <td>{d.environmentName}</td>
              <td className="cell-commit">
                <Link to={`/deployments/${d.id}`}>
                  <CommitLabel commit={d.commit} branch={d.branch} />
                </Link>
              </td>
              <td className="hide-narrow">{triggerText(d)}</td>
              <td className="hide-narrow">
                <Ago iso={d.startedAt ?? d.createdAt} />
              </td>
              <td className="hide-narrow">{duration(d.durationMs)}</td>
              {actions && <td className="cell-actions">{actions(d)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
