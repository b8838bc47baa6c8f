import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { SUPPORT_STATUS_LABELS, URGENCY_LABELS, type SupportRequest } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { awaitingFirstContact, timeLeft } from './supportLogic';
import './support.css';

const KIND_LABELS = { for_self: 'Asked for themselves', referral: 'Referred by a colleague', outreach: 'Outreach' };

/** One request in a list: status, urgency, the first-contact clock; shaped like the API's view. */
export function RequestCard({ request, now, children }: { request: SupportRequest; now: Date; children?: ReactNode }) {
  const clock = awaitingFirstContact(request) ? timeLeft(request.due_at, now) : null;
  const title =
    request.view === 'supporter' && request.requester_name ? request.requester_name : URGENCY_LABELS[request.urgency];
  return (
    <li className={clock?.overdue ? 'card card--overdue' : 'card'}>
      <div className="card__main">
        <h3 className="card__title">
          <Link to={`/support/requests/${request.id}`}>{title}</Link>
        </h3>
        <p className="card__meta">
          <span className={`badge badge--status badge--${request.status}`}>{SUPPORT_STATUS_LABELS[request.status]}</span>{' '}
          {request.view !== 'requester' ? `${KIND_LABELS[request.kind]} · ` : null}
          Tier {request.tier} · asked <DateTime value={request.created_at} />
        </p>
        {request.view === 'supporter' ? <p className="card__meta">{URGENCY_LABELS[request.urgency]}</p> : null}
        {request.supporter_name && request.view !== 'supporter' ? (
          <p className="card__meta">Supporter: {request.supporter_name}</p>
        ) : null}
        {clock ? <p className={clock.overdue ? 'card__alert' : 'card__meta'}>{clock.text}</p> : null}
      </div>
      {children ? <div className="card__actions">{children}</div> : null}
    </li>
  );
}
