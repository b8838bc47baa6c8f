import { useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { toFormErrors } from '../../api/problem';
import { PROFESSION_LABELS, ROLE_LABELS, ROLES, type Role, type RoleGrant, type User } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { SelectField } from '../../components/SelectField';
import { StatusBadge } from '../../components/StatusBadge';
import { StatusMessage } from '../../components/StatusMessage';
import { useFlash } from '../../hooks/useFlash';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { listPendingRoleGrants, listUsers, updateUser } from './orgApi';
import { PendingGrants } from './PendingGrants';
import { sendPasswordReset, unlockSignIn } from './signInAdminApi';
import { useAuth } from '../auth/useAuth';
import { useDepartments } from './useDepartments';

function isRole(value: string | null): value is Role {
  return value !== null && (ROLES as readonly string[]).includes(value);
}

export default function UsersPage() {
  usePageTitle('Users');
  // Filters live in the URL so they survive reloads and back/forward.
  const [params, setParams] = useSearchParams();
  const departmentId = params.get('department') || null;
  const roleParam = params.get('role');
  const role = isRole(roleParam) ? roleParam : null;
  const includeInactive = params.get('inactive') === '1';

  const { me } = useAuth();
  const departments = useDepartments();
  const [flash, setFlash] = useFlash();
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const load = useCallback(
    (cursor: string | null) => listUsers({ departmentId, role, includeInactive }, cursor),
    [departmentId, role, includeInactive],
  );
  const list = useKeysetList<User>(load);
  const grants = useKeysetList<RoleGrant>(listPendingRoleGrants);

  const onGrantDecided = (message: string) => {
    setFlash(message);
    grants.reload();
    list.reload();
  };

  const setFilter = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const setActive = async (user: User, isActive: boolean) => {
    setBusyId(user.id);
    setActionError(null);
    setFlash(null);
    try {
      const updated = await updateUser(user, { is_active: isActive });
      list.replace(updated);
      setFlash(`${updated.display_name} is now ${updated.is_active ? 'active' : 'deactivated'}.`);
    } catch (error) {
      setActionError(toFormErrors(error).formError);
    } finally {
      setBusyId(null);
    }
  };

  // A reset link emailed to the person, or their sign-in delays cleared (never a password).
  const signInAction = async (user: User, action: 'reset' | 'unlock') => {
    setBusyId(user.id);
    setActionError(null);
    setFlash(null);
    try {
      if (action === 'reset') {
        await sendPasswordReset(user.id);
        setFlash(`A link to choose a new password is on its way to ${user.email}. It works once, for 30 minutes.`);
      } else {
        await unlockSignIn(user.id);
        setFlash(`${user.display_name} can sign in again at once, from any device.`);
      }
    } catch (error) {
      setActionError(toFormErrors(error).formError);
    } finally {
      setBusyId(null);
    }
  };

  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
        <Link to="/admin/users/new" className="button button--primary">
          New user
        </Link>
      </div>
      <StatusMessage message={flash} />
      <FormError message={actionError ?? list.error ?? departments.error}>
        <button type="button" className="button button--secondary" onClick={() => list.reload()}>
          Reload list
        </button>
      </FormError>
      <PendingGrants
        grants={grants}
        meId={me?.id}
        departmentName={(id) => departments.byId.get(id)?.name ?? 'Unknown department'}
        onDecided={onGrantDecided}
      />
      <form className="filters" role="search" aria-label="Filter users" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Department"
          value={departmentId ?? ''}
          onChange={(event) => setFilter('department', event.target.value)}
          options={[
            { value: '', label: 'All departments' },
            ...departments.departments.map((d) => ({
              value: d.id,
              label: d.is_active ? d.name : `${d.name} (inactive)`,
            })),
          ]}
        />
        <SelectField
          label="Role"
          value={role ?? ''}
          onChange={(event) => setFilter('role', event.target.value)}
          options={[{ value: '', label: 'All roles' }, ...ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))]}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={includeInactive}
            onChange={(event) => setFilter('inactive', event.target.checked ? '1' : null)}
          />
          <span>Show deactivated users</span>
        </label>
      </form>
      {list.loading && list.items.length === 0 ? <p role="status">Loading users…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>No users match these filters.</p> : null}
      <ul className="card-list" aria-label="Users">
        {list.items.map((user) => (
          <li key={user.id} className="card">
            <div className="card__main">
              <h2 className="card__title">{user.display_name}</h2>
              <p className="card__meta">{user.email}</p>
              <p className="card__meta">
                {PROFESSION_LABELS[user.profession] ?? user.profession}
                {' · '}
                {user.department_id
                  ? (departments.byId.get(user.department_id)?.name ?? 'Unknown department')
                  : 'No department'}{' '}
                <StatusBadge active={user.is_active} inactiveLabel="Deactivated" />
              </p>
              <p className="card__meta">
                {user.last_login_at ? (
                  <>
                    Last signed in <DateTime value={user.last_login_at} />
                  </>
                ) : (
                  'Never signed in'
                )}
              </p>
              <ul className="tag-list" aria-label={`Roles of ${user.display_name}`}>
                {user.roles.map((r) => (
                  <li key={r} className="tag">
                    {ROLE_LABELS[r] ?? r}
                  </li>
                ))}
              </ul>
            </div>
            <div className="card__actions">
              <Link to={`/admin/users/${user.id}`} className="button button--secondary">
                Edit<span className="visually-hidden"> {user.display_name}</span>
              </Link>
              {user.id === me?.id ? null : (
                // Deactivating yourself would lock you out mid-session; another admin can.
                <button
                  type="button"
                  className="button button--secondary"
                  disabled={busyId === user.id}
                  onClick={() => void setActive(user, !user.is_active)}
                >
                  {user.is_active ? 'Deactivate' : 'Reactivate'}
                  <span className="visually-hidden"> {user.display_name}</span>
                </button>
              )}
              {user.id === me?.id || !user.is_active ? null : (
                <>
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={busyId === user.id}
                    onClick={() => void signInAction(user, 'reset')}
                  >
                    Send reset link<span className="visually-hidden"> to {user.display_name}</span>
                  </button>
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={busyId === user.id}
                    onClick={() => void signInAction(user, 'unlock')}
                  >
                    Unlock sign-in<span className="visually-hidden"> of {user.display_name}</span>
                  </button>
                </>
              )}
            </div>
          </li>
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
