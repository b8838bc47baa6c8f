import { useCallback } from 'react';
import { Link } from 'react-router';
import type { SupporterSupportRequest } from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { useKeysetList } from '../../hooks/useKeysetList';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { RequestCard } from './RequestCard';
import { getAvailability, listAssigned, listDueFollowUps } from './supportApi';
import './support.css';

export default function InboxPage() {
  usePageTitle('Supporter inbox');
  const load = useCallback((cursor: string | null) => listAssigned(cursor), []);
  const list = useKeysetList<SupporterSupportRequest>(load);
  const due = useLoad(useCallback(() => listDueFollowUps(), []));
  const availability = useLoad(useCallback(() => getAvailability(), []));
  const now = new Date();
  const a = availability.data;

  return (
    <>
      <h1>Supporter inbox</h1>
      <p className="lead">
        {a
          ? a.is_paused
            ? 'You are paused: no new requests come to you.'
            : a.is_on_call_now
              ? 'You are on call now.'
              : 'You are off call now.'
          : availability.error
            ? 'You are not on the roster yet: ask the support coordinator.'
            : ''}{' '}
        <Link to="/support/availability">Availability and pause</Link>
      </p>
      <section aria-labelledby="due-heading" className="section">
        <h2 id="due-heading">Follow-ups due</h2>
        <FormError message={due.error} />
        {due.data && due.data.length === 0 ? <p>No follow-ups are due.</p> : null}
        <ul className="card-list" aria-label="Follow-ups due">
          {(due.data ?? []).map((f) => (
            <li key={f.id} className="card card--due">
              <div className="card__main">
                <h3 className="card__title">
                  <Link to={`/support/requests/${f.request_id}`}>{f.requester_name ?? 'Support request'}</Link>
                </h3>
                <p className="card__meta">Due {new Date(`${f.due_on}T12:00:00`).toLocaleDateString()}</p>
              </div>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="assigned-heading" className="section">
        <h2 id="assigned-heading">Assigned to you</h2>
        <FormError message={list.error} />
        {list.loading && list.items.length === 0 ? <p role="status">Loading your requests…</p> : null}
        {!list.loading && list.items.length === 0 && !list.error ? <p>No open requests are assigned to you.</p> : null}
        <ul className="card-list" aria-label="Assigned requests">
          {list.items.map((request) => (
            <RequestCard key={request.id} request={request} now={now} />
          ))}
        </ul>
        <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
      </section>
    </>
  );
}
