import { useCallback } from 'react';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { useKeysetList } from '../../hooks/useKeysetList';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useDepartments } from '../org/useDepartments';
import { ActionItemCard } from './components';
import { listActionItems, overdueByDepartment, type ActionItem } from './debriefsApi';
import { formatDay, groupByDepartment } from './record';

const loadCounts = () => overdueByDepartment();

/** Overdue actions per department and owner (leads see their department, the safety team all). */
export default function OverdueActionsPage() {
  usePageTitle('Overdue actions');
  const departments = useDepartments();
  const list = useKeysetList<ActionItem>(useCallback((cursor: string | null) => listActionItems({ overdue: true }, cursor), []));
  const overdue = useLoad(loadCounts);
  const counts = overdue.data ?? [];

  const nameOf = (id: string) => departments.byId.get(id)?.name ?? 'Department';
  const groups = groupByDepartment(list.items, nameOf, counts);
  return (
    <>
      <h1>Overdue actions</h1>
      <p className="lead">Open or in-progress actions past their due date, per department and owner.</p>
      <FormError message={overdue.error ?? list.error} />
      {counts.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Overdue actions per department</caption>
          <thead>
            <tr>
              <th scope="col">Department</th>
              <th scope="col">Overdue</th>
              <th scope="col">Oldest due</th>
            </tr>
          </thead>
          <tbody>
            {counts.map((c) => (
              <tr key={c.department_id}>
                <th scope="row">{nameOf(c.department_id)}</th>
                <td>{c.overdue}</td>
                <td>{formatDay(c.oldest_due_on)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading && list.items.length === 0 ? <p role="status">Loading overdue actions…</p> : null}
      {!list.loading && list.items.length === 0 ? <p>Nothing is overdue.</p> : null}
      {groups.map((group) => (
        <section key={group.departmentId} aria-labelledby={`overdue-${group.departmentId}`}>
          <h2 id={`overdue-${group.departmentId}`}>
            {group.name} ({group.items.length})
          </h2>
          <ul className="card-list" aria-label={`Overdue in ${group.name}`}>
            {group.items.map((item) => (
              <ActionItemCard key={item.id} item={item} />
            ))}
          </ul>
        </section>
      ))}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
