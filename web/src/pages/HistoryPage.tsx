import { useEffect, useRef, useState } from 'react';
import { deployments, users, type HistoryFilters } from '../api/endpoints.js';
import { ProjectEnvFilter } from '../components/ProjectEnvFilter.js';
import { DEPLOYMENT_STATUSES, type Deployment, type Environment } from '../api/types.js';
import { DeploymentTable } from '../components/deployment-bits.js';
import { STATUS_LABEL } from '../components/format.js';
import { FormError, useAction } from '../components/forms.js';
import { Empty, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { canDeploy, isAdmin, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { useLive } from '../hooks/useLive.js';
import { navigate, useLocation, withQuery } from '../router/router.js';
import { RollbackDialog, environmentOf } from './RollbackDialog.js';
import { RollbackAction, useRollbackTargets } from './rollback-targets.js';

const LIMIT = 25;
const KEYS = ['project', 'environment', 'status', 'kind', 'user', 'from', 'to', 'q'] as const;

/** Every deployment, filterable; the filters live in the URL so a view can be shared. */
export function HistoryPage() {
  const { user } = useSession();
  const { query } = useLocation();
  const filters: HistoryFilters = { page: Number(query.get('page') ?? 1) || 1, limit: LIMIT };
  for (const key of KEYS) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  const key = JSON.stringify(filters);
  const list = useApi(() => deployments.history(apiFilters(filters)), [key]);
  const userList = useApi(() => (isAdmin(user) ? users.list() : Promise.resolve([])), [user.role]);
  const [search, setSearch] = useState(filters.q ?? '');
  const [rollback, setRollback] = useState<{ project: string; env: Environment; to: string } | null>(null);
  const action = useAction();
  const searchInput = useRef<HTMLInputElement>(null);
  const targets = useRollbackTargets(canDeploy(user) ? (list.data?.items ?? []) : []);
  useLive(['deployment'], () => {
    list.reload();
    targets.reload();
  });

  const set = (changes: Partial<Record<(typeof KEYS)[number] | 'page', string | number | undefined>>) => {
    const next: Record<string, string | number | undefined> = { ...filters, limit: undefined, ...changes };
    if (!('page' in changes)) next.page = undefined;
    if (next.page === 1) next.page = undefined;
    navigate(withQuery('/deployments', next), { replace: true });
  };

  // Typing in search updates the URL after a pause, not on every key.
  useEffect(() => {
    if (search === (filters.q ?? '')) return;
    const timer = setTimeout(() => set({ q: search || undefined }), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== '/' || (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      event.preventDefault();
      searchInput.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);


  const openRollback = (d: Deployment) => void action.run(async () => setRollback({ project: d.projectName, env: await environmentOf(d), to: d.releaseId ?? '' }));

  const page = list.data;
  const pages = page ? Math.max(1, Math.ceil(page.total / page.limit)) : 1;
  const filtered = KEYS.some((k) => filters[k]);

  return (
    <div className="page">
      <PageHeader title="Deployment history" />
      <section className="filters card" aria-label="Filters">
        <input
          ref={searchInput}
          type="search"
          className="filter-search"
          placeholder="Search commit messages  ( / )"
          aria-label="Search commit messages"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <ProjectEnvFilter project={filters.project} environment={filters.environment} onChange={set} />
        <select aria-label="Status" value={filters.status ?? ''} onChange={(e) => set({ status: e.target.value || undefined })}>
          <option value="">Any status</option>
          {DEPLOYMENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
        <select aria-label="Kind" value={filters.kind ?? ''} onChange={(e) => set({ kind: e.target.value || undefined })}>
          <option value="">Deploys and rollbacks</option>
          <option value="deploy">Deploys</option>
          <option value="rollback">Rollbacks</option>
        </select>
        {userList.data && userList.data.length > 0 ? (
          <select aria-label="User" value={filters.user ?? ''} onChange={(e) => set({ user: e.target.value || undefined })}>
            <option value="">Anyone</option>
            {userList.data.map((u) => (
              <option key={u.id} value={u.email}>
                {u.email}
              </option>
            ))}
          </select>
        ) : (
          <input aria-label="User" type="text" placeholder="User email" defaultValue={filters.user ?? ''} onBlur={(e) => set({ user: e.target.value.trim() || undefined })} />
        )}
        <label className="date-filter">
          From <input type="date" aria-label="From date" value={filters.from ?? ''} onChange={(e) => set({ from: e.target.value || undefined })} />
        </label>
        <label className="date-filter">
          To <input type="date" aria-label="To date" value={filters.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} />
        </label>
        {filtered && (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => {
              setSearch('');
              navigate('/deployments', { replace: true });
            }}
          >
            Clear filters
          </button>
        )}
      </section>
      <FormError error={action.error} />
      {list.error ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !page ? (
        <Loading what="deployments" />
      ) : page.items.length === 0 ? (
        <Empty title={filtered ? 'No deployments match these filters.' : 'No deployments yet.'} />
      ) : (
        <>
          <DeploymentTable
            items={page.items}
            actions={canDeploy(user) ? (d) => <RollbackAction deployment={d} targets={targets} onRollback={openRollback} /> : undefined}
          />
          <nav className="pager" aria-label="Pages">
            <button type="button" className="btn btn-small" disabled={page.page <= 1} onClick={() => set({ page: page.page - 1 })}>
              ← Newer
            </button>
            <span className="muted small">
              {(page.page - 1) * page.limit + 1}–{Math.min(page.total, page.page * page.limit)} of {page.total} · page {page.page} of {pages}
            </span>
            <button type="button" className="btn btn-small" disabled={page.page >= pages} onClick={() => set({ page: page.page + 1 })}>
              Older →
            </button>
          </nav>
        </>
      )}
      {rollback && <RollbackDialog project={rollback.project} env={rollback.env} release={rollback.to} onClose={() => setRollback(null)} />}
    </div>
  );
}

/** Date inputs give days; the API wants instants, and "to" includes the whole day. */
function apiFilters(filters: HistoryFilters): HistoryFilters {
  const out = { ...filters };
  if (out.from) out.from = new Date(`${out.from}T00:00:00`).toISOString();
  if (out.to) out.to = new Date(`${out.to}T23:59:59.999`).toISOString();
  return out;
}
