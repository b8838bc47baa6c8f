import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { toFormErrors } from '../../api/problem';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { StatusMessage } from '../../components/StatusMessage';
import { useFlash } from '../../hooks/useFlash';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { useDepartments } from '../org/useDepartments';
import { DebriefStatusBadge } from './components';
import { downloadCalendar, listDebriefs, type DebriefListItem } from './debriefsApi';
import { KIND_SHORT, SCHEDULERS } from './labels';

function DebriefCards({ items, label, departmentName }: { items: DebriefListItem[]; label: string; departmentName(id: string): string }) {
  return (
    <ul className="card-list" aria-label={label}>
      {items.map((d) => (
        <li key={d.id} className="card">
          <div className="card__main">
            <h3 className="card__title">{d.title}</h3>
            <p className="card__meta">
              {KIND_SHORT[d.kind]} · {departmentName(d.department_id)} <DebriefStatusBadge status={d.status} />
            </p>
            <p className="card__meta">
              <DateTime value={d.scheduled_at} />
              {d.location ? ` · ${d.location}` : ''} · facilitated by {d.facilitator.display_name}
            </p>
          </div>
          <div className="card__actions">
            <Link to={`/debriefs/${d.id}`} className="button button--secondary">
              Open<span className="visually-hidden"> {d.title}</span>
            </Link>
          </div>
        </li>
      ))}
    </ul>
  );
}

export default function DebriefsPage() {
  usePageTitle('Debriefs');
  const { hasRole } = useAuth();
  const departments = useDepartments();
  const [flash, setFlash] = useFlash();
  const [calendarError, setCalendarError] = useState<string | null>(null);
  const upcoming = useKeysetList<DebriefListItem>(
    useCallback((cursor: string | null) => listDebriefs({ upcoming: true }, cursor), []),
  );
  const all = useKeysetList<DebriefListItem>(useCallback((cursor: string | null) => listDebriefs({}, cursor), []));
  const nameOf = (id: string) => departments.byId.get(id)?.name ?? 'Department';

  const saveCalendar = async () => {
    setCalendarError(null);
    try {
      const blob = await downloadCalendar();
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = 'haven-debriefs.ics';
      link.click();
      URL.revokeObjectURL(url);
      setFlash('Your upcoming debriefs were saved as a calendar file.');
    } catch (error) {
      setCalendarError(toFormErrors(error).formError);
    }
  };

  return (
    <>
      <div className="page-header">
        <h1>Debriefs</h1>
        {hasRole(...SCHEDULERS) ? (
          <Link to="/debriefs/new" className="button button--primary">
            Schedule a debrief
          </Link>
        ) : null}
      </div>
      <p className="lead">
        Where a team talks honestly after an event and turns it into system fixes. You see the debriefs you run or
        were invited to.
      </p>
      <StatusMessage message={flash} />
      <FormError message={calendarError ?? upcoming.error ?? all.error} />
      <p>
        <button type="button" className="button button--secondary" onClick={() => void saveCalendar()}>
          Add my upcoming debriefs to my calendar (.ics)
        </button>
      </p>
      <h2>Upcoming</h2>
      {upcoming.loading && upcoming.items.length === 0 ? <p role="status">Loading debriefs…</p> : null}
      {!upcoming.loading && upcoming.items.length === 0 ? <p>Nothing scheduled for you.</p> : null}
      <DebriefCards items={upcoming.items} label="Upcoming debriefs" departmentName={nameOf} />
      <LoadMore hasMore={upcoming.hasMore} loading={upcoming.loading} onLoadMore={upcoming.loadMore} />
      <h2>All debriefs</h2>
      {!all.loading && all.items.length === 0 ? <p>No debriefs yet.</p> : null}
      <DebriefCards items={all.items} label="All debriefs" departmentName={nameOf} />
      <LoadMore hasMore={all.hasMore} loading={all.loading} onLoadMore={all.loadMore} />
    </>
  );
}
