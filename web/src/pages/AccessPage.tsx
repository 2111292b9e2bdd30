import { useState } from 'react';
import { tokens, users } from '../api/endpoints.js';
import type { Role } from '../api/types.js';
import { FormError, ShownOnce, submitWith, useAction } from '../components/forms.js';
import { Ago, Empty, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { isAdmin, useSession } from '../hooks/session.js';
import { useApi } from '../hooks/useApi.js';

const ROLES: Role[] = ['admin', 'maintainer', 'deployer', 'approver', 'viewer'];

/** API tokens for the CLI and CI, and (for admins) users and their roles. */
export function AccessPage() {
  const { user } = useSession();
  return (
    <div className="page">
      <PageHeader title="Access" sub={`Signed in as ${user.email} (${user.role}).`} />
      <TokensSection />
      {isAdmin(user) && <UsersSection />}
    </div>
  );
}

function TokensSection() {
  const list = useApi(() => tokens.list(), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const action = useAction();
  const create = async () => {
    const t = await tokens.create(name.trim());
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
        <button type="submit" className="btn">
          Create token
        </button>
      </form>
      <FormError error={action.error} />
    </section>
  );
}

function UsersSection() {
  const list = useApi(() => users.list(), []);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('deployer');
  const action = useAction();
  const create = async () => {
    await users.create(email.trim(), password, role);
    setEmail('');
    setPassword('');
    list.reload();
  };
  return (
    <section className="card">
      <h2>Users</h2>
      {list.error ? (
        <ErrorBox error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading what="users" />
      ) : (
        <ul className="link-list">
          {list.data.map((u) => (
            <li key={u.id}>
              {u.email} <span className="tag">{u.role}</span>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={submitWith(action, create)}>
        <input aria-label="Email" type="email" required placeholder="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <input aria-label="Password" type="password" required minLength={12} placeholder="password (12+ characters)" value={password} onChange={(e) => setPassword(e.target.value)} />
        <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button type="submit" className="btn">
          Add user
        </button>
      </form>
      <FormError error={action.error} />
    </section>
  );
}
