/**
 * Release handling on the agent: the app's bare mirror, one checkout per release, shared paths,
 * the atomic `current` switch, rollback and pruning. The step runner maps step kinds to these
 * handlers (agent/src/steps/handlers.ts); the helpers are for other agent parts (slots, health).
 */
export { gitSync } from './git-sync.js';
export { releaseLink } from './link.js';
export { releaseActivate, releaseRollback } from './activate.js';
export { releasePrune } from './prune.js';
export { currentRelease, listReleases, type ReleaseInfo } from './list.js';
export { readReleaseMeta, writeReleaseMeta, type ReleaseMeta } from './meta.js';
