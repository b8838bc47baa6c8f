import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import {
  SUPPORT_STATUS_LABELS,
  SUPPORT_STATUSES,
  URGENCIES,
  URGENCY_LABELS,
  type CoordinatorSupportRequest,
  type SupportStatus,
  type Urgency,
} from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { SelectField } from '../../components/SelectField';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { RequestCard } from './RequestCard';
import { listBoard } from './supportApi';
import { groupByStatus } from './supportLogic';
import './support.css';

function oneOf<T extends string>(values: readonly T[], value: string | null): T | null {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;
}

export default function BoardPage() {
  usePageTitle('Support board');
  const [params, setParams] = useSearchParams();
  const status = oneOf<SupportStatus>(SUPPORT_STATUSES, params.get('status'));
  const urgency = oneOf<Urgency>(URGENCIES, params.get('urgency'));
  const overdue = params.get('overdue') === '1';
  const load = useCallback(
    (cursor: string | null) => listBoard({ status, urgency, overdue }, cursor),
    [status, urgency, overdue],
  );
  const list = useKeysetList<CoordinatorSupportRequest>(load);
  const now = new Date();
  const setFilter = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <>
      <h1>Support board</h1>
      <p className="lead">Status and timing only: what people say stays between them and their supporter.</p>
      <form className="filters" role="search" aria-label="Filter requests" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Status"
          value={status ?? ''}
          onChange={(event) => setFilter('status', event.target.value)}
          options={[
            { value: '', label: 'All open' },
            ...SUPPORT_STATUSES.map((s) => ({ value: s, label: SUPPORT_STATUS_LABELS[s] })),
          ]}
        />
        <SelectField
          label="Urgency"
          value={urgency ?? ''}
          onChange={(event) => setFilter('urgency', event.target.value)}
          options={[{ value: '', label: 'Any' }, ...URGENCIES.map((u) => ({ value: u, label: URGENCY_LABELS[u] }))]}
        />
        <label className="checkbox">
          <input type="checkbox" checked={overdue} onChange={(event) => setFilter('overdue', event.target.checked ? '1' : null)} />
          <span>Overdue only</span>
        </label>
      </form>
      <FormError message={list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading the board…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>No requests match.</p> : null}
      {groupByStatus(list.items).map((group) => (
        <section key={group.status} aria-labelledby={`board-${group.status}`} className="section">
          <h2 id={`board-${group.status}`}>
            {SUPPORT_STATUS_LABELS[group.status]} ({group.items.length})
          </h2>
          <ul className="card-list" aria-label={SUPPORT_STATUS_LABELS[group.status]}>
            {group.items.map((request) => (
              <RequestCard key={request.id} request={request} now={now} />
            ))}
          </ul>
        </section>
      ))}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
