/** What the keep rule needs to know about one release on disk. */
export interface KeepCandidate {
  id: string;
  createdAt: Date;
  /** It was made live once (activate or rollback) and did not fail afterwards: a rollback target. */
  wentLive: boolean;
}

/**
 * Which releases a prune keeps. Only releases that went live count toward `keep` (the newest
 * `keep` of them stay), so a run of failed or cancelled deployments never pushes the good
 * ones out; releases that never went live (or failed after going live) only fill the room
 * left, newest first, and so are removed first. `protect` (this deployment's release, the one
 * live before it) and the live release stay whatever their age.
 */
export function releasesToKeep(releases: readonly KeepCandidate[], keep: number, protect: Iterable<string>): Set<string> {
  const newestFirst = [...releases].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
  const kept = new Set(protect);
  const good = newestFirst.filter((r) => r.wentLive);
  for (const release of good.slice(0, keep)) kept.add(release.id);
  for (const release of newestFirst) {
    if (kept.size >= keep) break;
    if (!release.wentLive) kept.add(release.id);
  }
  return kept;
}
