/**
 * Which variables a rollback applies, in words for the requester (issue 16 item 3). One rule for
 * every strategy: the environment's current variables, unless the rollback restores the target
 * release's snapshot. A blue-green slot still running the target is kept only when it runs with
 * exactly those; the agent restarts it otherwise.
 */
export interface RollbackVariables {
  applies: 'current' | 'snapshot';
  /** Names whose value differs between now and the target's snapshot (added, removed, changed); null without a snapshot. */
  changed: string[] | null;
  note: string;
}

export function rollbackVariables(releaseId: string, current: Readonly<Record<string, string>>, snapshot: Readonly<Record<string, string>> | null, restore: boolean): RollbackVariables {
  const changed = snapshot ? differingNames(current, snapshot) : null;
  if (restore) {
    return { applies: 'snapshot', changed, note: `variables: the snapshot of release ${releaseId} (--restore-variables)${changed?.length ? `; differs from the current ones in ${names(changed)}` : ''}` };
  }
  const why = changed === null
    ? `release ${releaseId} kept no snapshot to compare with`
    : changed.length === 0
      ? `the same as release ${releaseId} ran with`
      : `${names(changed)} changed since release ${releaseId} ran; a blue-green slot still running it is restarted with the current values; --restore-variables would apply the release's own`;
  return { applies: 'current', changed, note: `variables: the environment's current ones (${why})` };
}

function differingNames(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]).sort();
}

function names(list: string[]): string {
  return list.length > 5 ? `${list.slice(0, 5).join(', ')} and ${list.length - 5} more` : list.join(', ');
}
