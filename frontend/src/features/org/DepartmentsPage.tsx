import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { toFormErrors } from '../../api/problem';
import type { Department } from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { StatusBadge } from '../../components/StatusBadge';
import { StatusMessage } from '../../components/StatusMessage';
import { useFlash } from '../../hooks/useFlash';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { listDepartments, updateDepartment } from './orgApi';

export default function DepartmentsPage() {
  usePageTitle('Departments');
  const [includeInactive, setIncludeInactive] = useState(true);
  const [flash, setFlash] = useFlash();
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const load = useCallback(
    (cursor: string | null) => listDepartments({ cursor, includeInactive }),
    [includeInactive],
  );
  const list = useKeysetList<Department>(load);

  const setActive = async (department: Department, isActive: boolean) => {
    setBusyId(department.id);
    setActionError(null);
    setFlash(null);
    try {
      const updated = await updateDepartment(department, { is_active: isActive });
      list.replace(updated);
      setFlash(`${updated.name} is now ${updated.is_active ? 'active' : 'inactive'}.`);
    } catch (error) {
      setActionError(toFormErrors(error).formError);
    } finally {
      setBusyId(null);
    }
  };

  return (
    <>
      <div className="page-header">
        <h1>Departments</h1>
        <Link to="/admin/departments/new" className="button button--primary">
          New department
        </Link>
      </div>
      <StatusMessage message={flash} />
      <FormError message={actionError ?? list.error}>
        <button type="button" className="button button--secondary" onClick={() => list.reload()}>
          Reload list
        </button>
      </FormError>
      <div className="filters">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={includeInactive}
            onChange={(event) => setIncludeInactive(event.target.checked)}
          />
          <span>Show inactive departments</span>
        </label>
      </div>
      {list.loading && list.items.length === 0 ? <p role="status">Loading departments…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>No departments yet.</p> : null}
      <ul className="card-list" aria-label="Departments">
        {list.items.map((department) => (
          <li key={department.id} className="card">
            <div className="card__main">
              <h2 className="card__title">{department.name}</h2>
              <p className="card__meta">
                Code <span className="code">{department.code}</span> <StatusBadge active={department.is_active} />
              </p>
            </div>
            <div className="card__actions">
              <Link to={`/admin/departments/${department.id}`} className="button button--secondary">
                Edit<span className="visually-hidden"> {department.name}</span>
              </Link>
              <button
                type="button"
                className="button button--secondary"
                disabled={busyId === department.id}
                onClick={() => void setActive(department, !department.is_active)}
              >
                {department.is_active ? 'Deactivate' : 'Reactivate'}
                <span className="visually-hidden"> {department.name}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
