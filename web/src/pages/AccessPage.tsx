import { useState } from 'react';
import { tokens } from '../api/endpoints.js';
import { FormError, ShownOnce, submitWith, useAction } from '../components/forms.js';
import { Ago, Empty, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { isAdmin, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';
import { UsersSection } from './access/UsersSection.js';
import { AuditLogSection } from './access/AuditLogSection.js';

/** API tokens for the CLI and CI, and (for admins) users and their roles. */
export function AccessPage() {
  const { user } = useSession();
  return (
    <div className="page">
      <PageHeader title="Access" sub={`Signed in as ${user.email} (${user.role}).`} />
      <TokensSection />
      {isAdmin(user) && <UsersSection />}
      {isAdmin(user) && <AuditLogSection />}
    </div>
  );
}

function TokensSection() {
  const list = useApi(() => tokens.list(), []);
  const [name, setName] = useState('');
  // Days until the token stops working; '' = never. CI tokens should expire.
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const action = useAction();
  const create = async () => {
    const t = await tokens.create(name.trim(), days ? Number(days) : undefined);
    setCreated({ name: name.trim(), token: t.token });
    setName('');
    list.reload();
  };
  const revoke = (id: string, tokenName: string) => {
    if (!window.confirm(`Revoke “${tokenName}”? Anything using it stops working at once.`)) return;
    void action.run(() => tokens.remove(id)).then(list.reload);
  };
  return (
    <section className="card">
      <h2>API tokens</h2>
      <p className="muted small">
        For the <code>devflow</code> CLI and CI jobs: send as <code>Authorization: Bearer &lt;token&gt;</code>. A token acts with your role.
      </p>
      {created && <ShownOnce title={`Token “${created.name}”`} value={created.token} />}
      {list.error ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading what="tokens" />
      ) : list.data.length === 0 ? (
        <Empty title="No tokens yet." />
      ) : (
        <ul className="link-list">
          {list.data.map((t) => (
            <li key={t.id} className="row-between">
              <span>
                <strong>{t.name}</strong>{' '}
                <span className="muted small">
                  created <Ago iso={t.createdAt} />
                  {t.lastUsedAt ? (
                    <>
                      , last used <Ago iso={t.lastUsedAt} />
                    </>
                  ) : (
                    ', never used'
                  )}
                  {t.expiresAt ? (
                    new Date(t.expiresAt).getTime() <= Date.now() ? (
                      <strong>, expired</strong>
                    ) : (
                      <>, expires {new Date(t.expiresAt).toISOString().slice(0, 10)}</>
                    )
                  ) : (
                    ', never expires'
                  )}
                </span>
              </span>
              <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => revoke(t.id, t.name)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={submitWith(action, create)}>
        <input aria-label="Token name" required placeholder="e.g. github-actions" value={name} onChange={(e) => setName(e.target.value)} />
        <select aria-label="Token expiry" value={days} onChange={(e) => setDays(e.target.value)}>
          <option value="30">expires in 30 days</option>
          <option value="90">expires in 90 days</option>
          <option value="365">expires in 1 year</option>
          <option value="">never expires</option>
        </select>
        <button type="submit" className="btn">
          Create token
        </button>
      </form>
      <FormError error={action.error} />
    </section>
  );
}
