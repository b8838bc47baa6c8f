import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import type { RequesterSupportRequest } from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { StatusMessage } from '../../components/StatusMessage';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { CrisisResources } from './CrisisResources';
import { FeedbackForm } from './FeedbackForm';
import { RequestCard } from './RequestCard';
import { listMyRequests } from './supportApi';

export default function MyRequestsPage() {
  usePageTitle('My support requests');
  const load = useCallback((cursor: string | null) => listMyRequests(cursor), []);
  const list = useKeysetList<RequesterSupportRequest>(load);
  const [status, setStatus] = useState<string | null>(null);
  const now = new Date();

  return (
    <>
      <div className="page-header">
        <h1>My support requests</h1>
        <Link to="/support" className="button button--primary">
          Ask for support
        </Link>
      </div>
      <CrisisResources />
      <StatusMessage message={status} />
      <FormError message={list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading your requests…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>You have not asked for support yet.</p> : null}
      <ul className="card-list" aria-label="My support requests">
        {list.items.map((request) => (
          <RequestCard key={request.id} request={request} now={now}>
            {request.can_give_feedback ? (
              <FeedbackForm
                requestId={request.id}
                onDone={() => {
                  setStatus('Thank you. Your feedback helps the program.');
                  list.reload();
                }}
              />
            ) : null}
          </RequestCard>
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
