import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { toFormErrors } from '../../api/problem';
import { URGENCIES, URGENCY_LABELS, type OutreachTask, type Urgency } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { SelectField } from '../../components/SelectField';
import { StatusMessage } from '../../components/StatusMessage';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { acceptOutreach, declineOutreach, listOutreach } from './supportApi';

export default function OutreachPage() {
  usePageTitle('Outreach');
  const navigate = useNavigate();
  const load = useCallback((cursor: string | null) => listOutreach(cursor), []);
  const list = useKeysetList<OutreachTask>(load);
  const [urgency, setUrgency] = useState<Urgency>('soon');
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const accept = async (task: OutreachTask) => {
    setError(null);
    try {
      const request = await acceptOutreach(task, urgency);
      navigate(`/support/requests/${request.id}`);
    } catch (err) {
      setError(toFormErrors(err).formError);
      list.reload();
    }
  };

  const decline = async (task: OutreachTask) => {
    setError(null);
    try {
      await declineOutreach(task);
      setStatus('Task declined.');
      list.reload();
    } catch (err) {
      setError(toFormErrors(err).formError);
    }
  };

  return (
    <>
      <h1>Outreach</h1>
      <p className="lead">
        After an event review, the safety team named these colleagues as involved. Offer them support; nothing about
        the event is shown here, and the report side never learns what you decide.
      </p>
      <StatusMessage message={status} />
      <FormError message={error ?? list.error} />
      <div className="filters">
        <SelectField
          label="Urgency of the offer"
          value={urgency}
          onChange={(event) => setUrgency(event.target.value as Urgency)}
          options={URGENCIES.map((u) => ({ value: u, label: URGENCY_LABELS[u] }))}
        />
      </div>
      {!list.loading && list.items.length === 0 && !list.error ? <p>No open outreach tasks.</p> : null}
      <ul className="card-list" aria-label="Outreach tasks">
        {list.items.map((task) => (
          <li key={task.id} className="card">
            <div className="card__main">
              <h2 className="card__title">{task.person_name ?? 'A colleague'}</h2>
              <p className="card__meta">
                From an event review · <DateTime value={task.created_at} />
              </p>
            </div>
            <div className="card__actions">
              <button type="button" className="button button--primary" onClick={() => void accept(task)}>
                Offer support<span className="visually-hidden"> to {task.person_name}</span>
              </button>
              <button type="button" className="button button--secondary" onClick={() => void decline(task)}>
                Decline<span className="visually-hidden"> for {task.person_name}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
