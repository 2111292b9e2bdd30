import { useState } from 'react';
import { users } from '../../api/endpoints.js';
import type { Role, User } from '../../api/types.js';
import { FormError, submitWith, useAction } from '../../components/forms.js';
import { Ago, ErrorBox, Loading } from '../../components/ui.js';
import { useSession } from '../../hooks/session.js';
import { useApi } from '../../hooks/useApi.js';

export const ROLES: Role[] = ['admin', 'maintainer', 'deployer', 'approver', 'viewer'];
const PASSWORD_HINT = '12+ characters, 8 different, not a common password';

/** Admins: add users, change roles, disable/enable, reset passwords, see and revoke tokens, delete. */
export function UsersSection() {
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
        <div className="table-wrap"><table className="table" aria-label="Users">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((u) => (
              <UserRow key={u.id} user={u} onChanged={list.reload} />
            ))}
          </tbody>
        </table></div>
      )}
      <form className="inline-form" onSubmit={submitWith(action, create)}>
        <input aria-label="Email" type="email" required placeholder="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <input aria-label="Password" type="password" required minLength={12} placeholder={`password (${PASSWORD_HINT})`} value={password} onChange={(e) => setPassword(e.target.value)} />
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

function UserRow({ user, onChanged }: { user: User; onChanged: () => void }) {
  const { user: me } = useSession();
  const self = me.id === user.id;
  const action = useAction();
  const [open, setOpen] = useState<'password' | 'tokens' | null>(null);
  const [password, setPassword] = useState('');
  const run = (fn: () => Promise<unknown>) => void action.run(fn).then(onChanged);
  const remove = () => {
    if (!window.confirm(`Delete ${user.email}? Their sessions and API tokens end at once. This cannot be undone.`)) return;
    run(() => users.remove(user.id));
  };
  const toggle = () => {
    if (!user.disabled && !window.confirm(`Disable ${user.email}? They are logged out and their API tokens stop working at once.`)) return;
    run(() => users.update(user.id, { disabled: !user.disabled }));
  };
  const reset = async () => {
    await users.resetPassword(user.id, password);
    setPassword('');
    setOpen(null);
  };
  return (
    <>
      <tr data-user={user.email}>
        <td>
          {user.email} {self && <span className="muted small">(you)</span>}
        </td>
        <td>
          <select aria-label={`Role of ${user.email}`} value={user.role} disabled={self} onChange={(e) => run(() => users.update(user.id, { role: e.target.value as Role }))}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </td>
        <td>{user.disabled ? <span className="tag tag-lock">disabled</span> : <span className="tag">active</span>}</td>
        <td className="row-actions">
          <button type="button" className="btn btn-small" disabled={self} onClick={toggle}>
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setOpen(open === 'password' ? null : 'password')}>
            Reset password
          </button>
          <button type="button" className="btn btn-small" onClick={() => setOpen(open === 'tokens' ? null : 'tokens')}>
            Tokens
          </button>
          <button type="button" className="btn btn-small btn-danger-ghost" disabled={self} onClick={remove}>
            Delete
          </button>
        </td>
      </tr>
      {(open || action.error) && (
        <tr>
          <td colSpan={4}>
            {open === 'password' && (
              <form className="inline-form" onSubmit={submitWith(action, reset)}>
                <input aria-label={`New password for ${user.email}`} type="password" required minLength={12} placeholder={PASSWORD_HINT} value={password} onChange={(e) => setPassword(e.target.value)} />
                <button type="submit" className="btn btn-small">
                  Set password (ends their sessions)
                </button>
              </form>
            )}
            {open === 'tokens' && <UserTokens user={user} />}
            <FormError error={action.error} />
          </td>
        </tr>
      )}
    </>
  );
}

function UserTokens({ user }: { user: User }) {
  const list = useApi(() => users.tokens(user.id), [user.id]);
  const action = useAction();
  const revoke = (id: string, name: string) => {
    if (!window.confirm(`Revoke ${user.email}'s token “${name}”? Anything using it stops working at once.`)) return;
    void action.run(() => users.revokeToken(user.id, id)).then(list.reload);
  };
  if (list.error) return <ErrorBox error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading what="tokens" />;
  if (list.data.length === 0) return <p className="muted small">{user.email} has no API tokens.</p>;
  return (
    <ul className="link-list" aria-label={`Tokens of ${user.email}`}>
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
      <FormError error={action.error} />
    </ul>
  );
}
