import { useCallback } from 'react';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { useDepartments } from '../org/useDepartments';
import { ActionItemCard } from './components';
import { listActionItems, type ActionItem } from './debriefsApi';

export default function MyActionsPage() {
  usePageTitle('My action items');
  const { me } = useAuth();
  const departments = useDepartments();
  const ownerId = me?.id ?? null;
  const list = useKeysetList<ActionItem>(
    useCallback((cursor: string | null) => listActionItems({ ownerId }, cursor), [ownerId]),
  );
  const overdue = list.items.filter((i) => i.is_overdue).length;
  return (
    <>
      <h1>My action items</h1>
      <p className="lead">
        System fixes you own, soonest due first.
        {overdue > 0 ? ` ${overdue} ${overdue === 1 ? 'is' : 'are'} overdue.` : ''}
      </p>
      <FormError message={list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading your actions…</p> : null}
      {!list.loading && list.items.length === 0 ? <p>You own no action items.</p> : null}
      <ul className="card-list" aria-label="My action items">
        {list.items.map((item) => (
          <ActionItemCard key={item.id} item={item} departmentName={departments.byId.get(item.department_id)?.name} />
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
