import { environments } from '../api/endpoints.js';
import type { Deployment, Release } from '../api/types.js';
import { useApi } from '../hooks/useApi.js';

/** Short words for why a release is not a rollback target; the full sentence is the tooltip. */
export const REFUSAL_LABEL: Record<Extract<Release['rollback'], { allowed: false }>['reason'], string> = {
  already_live: 'already live',
  bad: 'failed after going live',
  never_live: 'never went live',
  not_on_all: 'not on every server',
};

/** What a list of deployments can be rolled back to: the release rows of each environment they name. */
export interface RollbackTargets {
  loaded: boolean;
  /** The release a deployment made, while it is still on disk; undefined once pruned (or never made). */
  releaseOf(d: Deployment): Release | undefined;
  reload(): void;
}

const envKey = (project: string, env: string) => `${project}\u0000${env}`;

/**
 * Release rows (with the server's rollback verdict) for every environment in `items`, one
 * request per environment, so a list offers "Roll back to this" only where the rollback request
 * will accept it.
 */
export function useRollbackTargets(items: readonly Deployment[]): RollbackTargets {
  const envs = [...new Set(items.map((d) => envKey(d.projectName, d.environmentName)))].sort();
  const key = envs.join('\u0001');
  const rows = useApi(async () => {
    const lists = await Promise.all(
      envs.map(async (k) => {
        const [project = '', env = ''] = k.split('\u0000');
        return [k, await environments.releases(project, env)] as const;
      }),
    );
    return new Map(lists);
  }, [key]);
  return {
    loaded: rows.data !== undefined,
    releaseOf: (d) => (d.releaseId ? rows.data?.get(envKey(d.projectName, d.environmentName))?.find((r) => r.releaseId === d.releaseId) : undefined),
    reload: rows.reload,
  };
}

/**
 * The rollback action for one row: a button when the release qualifies, else why not (live now,
 * failed, never live, removed from disk) so nobody is offered a rollback the server would refuse.
 */
export function RollbackAction({ deployment, targets, onRollback }: { deployment: Deployment; targets: RollbackTargets; onRollback: (d: Deployment) => void }) {
  if (!targets.loaded || deployment.status !== 'succeeded') return null;
  const release = targets.releaseOf(deployment);
  if (!release) {
    return (
      <span className="muted small" data-rollback="pruned" title="Its release was removed from the servers by cleanup (keep releases); deploy its commit again instead.">
        not on disk
      </span>
    );
  }
  if (!release.rollback.allowed) {
    const live = release.rollback.reason === 'already_live';
    return (
      <span className={live ? 'tag tag-live' : 'muted small'} data-rollback={release.rollback.reason} title={release.rollback.message}>
        {live ? 'live now' : REFUSAL_LABEL[release.rollback.reason]}
      </span>
    );
  }
  return (
    <button type="button" className="btn btn-small" data-rollback="allowed" onClick={() => onRollback(deployment)}>
      Roll back to this
    </button>
  );
}
