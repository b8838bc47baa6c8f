import { useCallback, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { toFormErrors } from '../../api/problem';
import {
  CONTACT_CHANNEL_LABELS,
  ENCOUNTER_CHANNEL_LABELS,
  ESCALATION_LABELS,
  ESCALATION_RESOURCES,
  EXCLUSION_LABELS,
  OUTCOME_LABELS,
  PROFESSION_LABELS,
  SUPPORT_STATUS_LABELS,
  URGENCY_LABELS,
  type EscalationResource,
  type SupportRequest,
  type SupportStatus,
} from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { StatusMessage } from '../../components/StatusMessage';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { CrisisResources } from './CrisisResources';
import { EncounterForm } from './EncounterForm';
import {
  assign,
  escalate,
  getCandidates,
  getRequest,
  getSupportConfig,
  listEncounters,
  listFollowUps,
  transition,
  updateFollowUp,
} from './supportApi';
import { awaitingFirstContact, timeLeft } from './supportLogic';
import './support.css';

const MOVE_LABELS: Record<SupportStatus, string> = {
  new: 'Back to new',
  assigned: 'Assigned',
  contacted: 'I made first contact',
  active: 'Support is under way',
  escalated: 'Escalated',
  closed: 'Close the request',
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export default function RequestPage() {
  const { requestId = '' } = useParams();
  usePageTitle('Support request');
  const request = useLoad(useCallback(() => getRequest(requestId), [requestId]));
  const encounters = useLoad(useCallback(() => listEncounters(requestId), [requestId]));
  const followUps = useLoad(useCallback(() => listFollowUps(requestId), [requestId]));
  const config = useLoad(useCallback(() => getSupportConfig(), []));
  const [actionError, setActionError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [resource, setResource] = useState<EscalationResource>('employee_assistance');

  const data = request.data;
  const isCoordinator = data?.view === 'coordinator';
  const loadCandidates = useCallback(() => getCandidates(requestId), [requestId]);
  const candidates = useLoad(isCoordinator ? loadCandidates : null);

  const act = async (label: string, run: () => Promise<SupportRequest>) => {
    setBusy(true);
    setActionError(null);
    setStatus(null);
    try {
      request.set(await run());
      setStatus(label);
      encounters.reload();
      followUps.reload();
      candidates.reload();
    } catch (error) {
      setActionError(toFormErrors(error).formError);
      request.reload();
    } finally {
      setBusy(false);
    }
  };

  if (request.loading && !data) return <p role="status">Loading the request…</p>;
  if (!data) {
    return (
      <>
        <h1>Support request</h1>
        <FormError message={request.error} />
      </>
    );
  }

  const clock = awaitingFirstContact(data) ? timeLeft(data.due_at, new Date()) : null;
  const isSupporter = data.view === 'supporter';
  const open = data.status !== 'closed';

  return (
    <>
      <p className="breadcrumb">
        <Link to={isSupporter ? '/support/inbox' : isCoordinator ? '/support/board' : '/support/mine'}>
          {isSupporter ? 'Supporter inbox' : isCoordinator ? 'Support board' : 'My requests'}
        </Link>
      </p>
      <h1>{isSupporter && data.requester_name ? `Support for ${data.requester_name}` : 'Support request'}</h1>
      <p>
        <span className={`badge badge--status badge--${data.status}`}>{SUPPORT_STATUS_LABELS[data.status]}</span>{' '}
        {URGENCY_LABELS[data.urgency]} · tier {data.tier}
      </p>
      {clock ? <p className={clock.overdue ? 'alert alert--error' : 'alert alert--info'}>{clock.text}</p> : null}
      {data.safety_exception_at ? (
        <p className="alert alert--error">
          Safety concern raised <DateTime value={data.safety_exception_at} />: the coordinator was alerted.
        </p>
      ) : null}
      <StatusMessage message={status} />
      <FormError message={actionError} />

      <dl className="details">
        {isSupporter && data.requester_profession ? (
          <Row label="Profession">{PROFESSION_LABELS[data.requester_profession]}</Row>
        ) : null}
        {data.supporter_name && !isSupporter ? <Row label="Supporter">{data.supporter_name}</Row> : null}
        <Row label="Reach by">{data.contact_channel ? CONTACT_CHANNEL_LABELS[data.contact_channel] : 'Any way'}</Row>
        {data.view !== 'coordinator' && data.contact_details ? (
          <Row label="Contact">{data.contact_details}</Row>
        ) : null}
        {data.view !== 'coordinator' && data.preferred_times ? (
          <Row label="Good times">{data.preferred_times}</Row>
        ) : null}
        {data.preferred_profession || data.preferred_language || data.not_own_department ? (
          <Row label="Preferences">
            {[
              data.preferred_profession ? PROFESSION_LABELS[data.preferred_profession] : null,
              data.preferred_language ? `language ${data.preferred_language}` : null,
              data.not_own_department ? 'not from their department' : null,
            ]
              .filter(Boolean)
              .join(', ')}
          </Row>
        ) : null}
        <Row label="Asked">
          <DateTime value={data.created_at} />
        </Row>
        {data.first_contact_at ? (
          <Row label="First contact">
            <DateTime value={data.first_contact_at} />
          </Row>
        ) : null}
        {data.escalated_at && data.escalated_resource ? (
          <Row label="Referred to">
            {ESCALATION_LABELS[data.escalated_resource]}, <DateTime value={data.escalated_at} />
          </Row>
        ) : null}
        {data.closed_at ? (
          <Row label="Closed">
            <DateTime value={data.closed_at} />
          </Row>
        ) : null}
        {data.view === 'coordinator' ? (
          <Row label="Audit reference">
            <span className="code">{data.audit_ref}</span>
          </Row>
        ) : null}
      </dl>

      {data.allowed_transitions.length > 0 ? (
        <div className="form__actions section">
          {data.allowed_transitions.map((to) => (
            <button
              key={to}
              type="button"
              className={to === 'closed' ? 'button button--secondary' : 'button button--primary'}
              disabled={busy}
              onClick={() => void act(`Status: ${SUPPORT_STATUS_LABELS[to]}.`, () => transition(data, to))}
            >
              {data.view === 'requester' && to === 'closed' ? 'Withdraw my request' : MOVE_LABELS[to]}
            </button>
          ))}
        </div>
      ) : null}

      {isSupporter && open ? (
        <section className="section" aria-labelledby="log-heading">
          <h2 id="log-heading">Log an encounter</h2>
          <EncounterForm
            requestId={data.id}
            tier={data.tier}
            notesEnabled={config.data?.private_notes_enabled ?? false}
            onLogged={() => {
              setStatus('Encounter logged.');
              request.reload();
              encounters.reload();
              followUps.reload();
            }}
          />
        </section>
      ) : null}

      {(isSupporter || isCoordinator) && open ? (
        <section className="section" aria-labelledby="escalate-heading">
          <h2 id="escalate-heading">Professional help (tier 3)</h2>
          <div className="filters">
            <SelectField
              label="Refer to"
              value={resource}
              onChange={(event) => setResource(event.target.value as EscalationResource)}
              options={ESCALATION_RESOURCES.map((r) => ({ value: r, label: ESCALATION_LABELS[r] }))}
            />
            <button
              type="button"
              className="button button--secondary"
              disabled={busy}
              onClick={() => void act('Referral recorded.', () => escalate(data, resource))}
            >
              Record referral
            </button>
          </div>
        </section>
      ) : null}

      {isCoordinator ? (
        <section className="section" aria-labelledby="candidates-heading">
          <h2 id="candidates-heading">Candidates</h2>
          <FormError message={candidates.error} />
          {candidates.data ? (
            <>
              {candidates.data.eligible.length === 0 ? <p>No supporter is eligible right now.</p> : null}
              <ul className="card-list" aria-label="Eligible supporters">
                {candidates.data.eligible.map((c) => (
                  <li key={c.supporter_id} className="card">
                    <div className="card__main">
                      <h3 className="card__title">{c.display_name}</h3>
                      <p className="card__meta">
                        {c.open_caseload} of {c.capacity} open · fit {c.preference_fit}
                      </p>
                    </div>
                    <div className="card__actions">
                      <button
                        type="button"
                        className="button button--secondary"
                        disabled={busy || !open || c.user_id === data.supporter_id}
                        onClick={() => void act(`Assigned to ${c.display_name}.`, () => assign(data, c.supporter_id))}
                      >
                        {c.user_id === data.supporter_id ? 'Assigned' : 'Assign'}
                        <span className="visually-hidden"> {c.display_name}</span>
                      </button>
                    </div>
                  </li>
                ))}
              </ul>
              {candidates.data.excluded.length > 0 ? (
                <>
                  <h3>Not eligible</h3>
                  <ul className="plain-list" aria-label="Excluded supporters">
                    {candidates.data.excluded.map((e) => (
                      <li key={e.supporter_id}>
                        {e.display_name}: {EXCLUSION_LABELS[e.reason]}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </>
          ) : null}
        </section>
      ) : null}

      {followUps.data && followUps.data.length > 0 ? (
        <section className="section" aria-labelledby="follow-ups-heading">
          <h2 id="follow-ups-heading">Follow-ups</h2>
          <ul className="card-list" aria-label="Follow-ups">
            {followUps.data.map((f) => (
              <li key={f.id} className={f.is_due ? 'card card--due' : 'card'}>
                <div className="card__main">
                  <p className="card__title">
                    {new Date(`${f.due_on}T12:00:00`).toLocaleDateString(undefined, { dateStyle: 'medium' })}
                  </p>
                  <p className="card__meta">{f.is_due ? 'Due' : f.status === 'scheduled' ? 'Scheduled' : f.status}</p>
                </div>
                {isSupporter && f.status === 'scheduled' ? (
                  <div className="card__actions">
                    <button
                      type="button"
                      className="button button--secondary"
                      onClick={() =>
                        void updateFollowUp(f, { status: 'done' }).then(followUps.reload, (error: unknown) =>
                          setActionError(toFormErrors(error).formError),
                        )
                      }
                    >
                      Done
                    </button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section className="section" aria-labelledby="encounters-heading">
        <h2 id="encounters-heading">Encounters</h2>
        {encounters.data && encounters.data.length === 0 ? <p>None logged yet.</p> : null}
        <ul className="card-list" aria-label="Encounters">
          {(encounters.data ?? []).map((e) => (
            <li key={e.id} className="card">
              <div className="card__main">
                <p className="card__title">
                  <DateTime value={e.occurred_at} />
                </p>
                <p className="card__meta">
                  {ENCOUNTER_CHANNEL_LABELS[e.channel]} · {e.minutes} min · tier {e.tier} · {OUTCOME_LABELS[e.outcome]}
                  {e.safety_exception ? ' · safety concern' : ''}
                </p>
                {e.private_note ? (
                  <p className="note">
                    <span className="visually-hidden">Your private note: </span>
                    {e.private_note}
                  </p>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      </section>
      {!isCoordinator ? <CrisisResources /> : null}
    </>
  );
}
