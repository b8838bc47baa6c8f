import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { toFormErrors } from '../../api/problem';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { useFlash } from '../../hooks/useFlash';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useDepartments } from '../org/useDepartments';
import { ActionItemCard, DebriefStatusBadge } from './components';
import {
  getDebrief,
  getFeedbackSummary,
  inviteParticipants,
  listActionItems,
  transitionDebrief,
  type DebriefStatus,
  type DebriefFeedbackSummary,
} from './debriefsApi';
import { FACTOR_LABELS, KIND_SHORT, TRANSITION_LABELS } from './labels';
import { PeoplePicker } from './PeoplePicker';
import { usePeople } from './usePeople';

function FeedbackPanel({ summary }: { summary: DebriefFeedbackSummary }) {
  return (
    <section className="panel" aria-labelledby="feedback-heading">
      <h2 id="feedback-heading">Anonymous feedback</h2>
      <p>
        {summary.responses} {summary.responses === 1 ? 'person has' : 'people have'} answered.
      </p>
      {summary.published ? (
        <dl className="details">
          <div>
            <dt>Felt safe to speak</dt>
            <dd>{summary.felt_safe} of 5</dd>
          </div>
          <div>
            <dt>Focused on systems, not blame</dt>
            <dd>{summary.systems_focus} of 5</dd>
          </div>
          <div>
            <dt>Useful</dt>
            <dd>{summary.useful} of 5</dd>
          </div>
        </dl>
      ) : (
        <p className="field__hint">
          Averages are shown once feedback has closed (when the debrief is closed) and at least{' '}
          {summary.minimum_responses} people answered, so no one’s answer can be worked out.
        </p>
      )}
    </section>
  );
}

export default function DebriefPage() {
  const { debriefId = '' } = useParams();
  const [error, setError] = useState<string | null>(null);
  const [flash, setFlash] = useFlash();
  const [busy, setBusy] = useState(false);
  const [invitees, setInvitees] = useState<string[]>([]);
  const departments = useDepartments();
  const loaded = useLoad(useCallback(() => getDebrief(debriefId), [debriefId]));
  const debrief = loaded.data;
  usePageTitle(debrief?.title ?? 'Debrief');
  const canInvite = !!debrief?.can_manage && (debrief.status === 'scheduled' || debrief.status === 'held');
  const people = usePeople(canInvite);
  // Read in turn, as the page needs them: the actions once the debrief is in, then (for
  // those running a debrief that was held) its feedback summary.
  const loadActions = useCallback(() => listActionItems({ debriefId }, null).then((page) => page.items), [debriefId]);
  const actionsLoaded = useLoad(debrief ? loadActions : null);
  const actions = actionsLoaded.data ?? [];
  const loadSummary = useCallback(() => getFeedbackSummary(debriefId), [debriefId]);
  const seesSummary = actionsLoaded.data !== null && !!debrief?.can_manage && !!debrief.held_at;
  const summaryLoaded = useLoad(seesSummary ? loadSummary : null);
  const summary = summaryLoaded.data;

  if (!debrief) {
    return loaded.error ? <FormError message={loaded.error} /> : <p role="status">Loading debrief…</p>;
  }
  const nameOf = (id: string | null | undefined) => (id ? (departments.byId.get(id)?.name ?? 'Department') : '');

  const move = async (to: DebriefStatus) => {
    setBusy(true);
    setError(null);
    try {
      const moved = await transitionDebrief(debrief, to);
      loaded.set(moved);
      setFlash(`The debrief is now ${moved.status}.`);
      if (moved.held_at) summaryLoaded.reload();
    } catch (err) {
      setError(toFormErrors(err).formError);
    } finally {
      setBusy(false);
    }
  };

  const invite = async () => {
    setBusy(true);
    setError(null);
    try {
      const participants = await inviteParticipants(debrief.id, invitees);
      loaded.set({ ...debrief, participants });
      setFlash(`${invitees.length} more people were invited.`);
      setInvitees([]);
    } catch (err) {
      setError(toFormErrors(err).formError);
    } finally {
      setBusy(false);
    }
  };

  const record = debrief.record;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/debriefs">Debriefs</Link>
      </p>
      <div className="page-header">
        <h1>{debrief.title}</h1>
        <DebriefStatusBadge status={debrief.status} />
      </div>
      <StatusMessage message={flash} />
      <FormError message={error ?? actionsLoaded.error ?? summaryLoaded.error} />
      <dl className="details">
        <div>
          <dt>Kind</dt>
          <dd>{KIND_SHORT[debrief.kind]}</dd>
        </div>
        <div>
          <dt>When</dt>
          <dd>
            <DateTime value={debrief.scheduled_at} /> ({debrief.duration_minutes} minutes)
          </dd>
        </div>
        <div>
          <dt>Where</dt>
          <dd>{debrief.location ?? 'Not set'}</dd>
        </div>
        <div>
          <dt>Department</dt>
          <dd>{nameOf(debrief.department_id)}</dd>
        </div>
        <div>
          <dt>Facilitator</dt>
          <dd>{debrief.facilitator.display_name}</dd>
        </div>
      </dl>

      {debrief.feedback.can_give ? (
        <p className="panel">
          <Link to={`/debriefs/${debrief.id}/feedback`} className="button button--primary">
            Give anonymous feedback
          </Link>
        </p>
      ) : null}
      {debrief.feedback.given ? <p className="alert alert--success">Thank you: your anonymous feedback was received.</p> : null}

      {debrief.can_manage ? (
        <section className="panel" aria-labelledby="run-heading">
          <h2 id="run-heading">Run this debrief</h2>
          <div className="form__actions">
            {debrief.status !== 'closed' && debrief.status !== 'cancelled' ? (
              <Link to={`/debriefs/${debrief.id}/record`} className="button button--primary">
                Open the facilitator’s view
              </Link>
            ) : null}
            {debrief.allowed_transitions.map((to) => (
              <button
                key={to}
                type="button"
                className={to === 'cancelled' ? 'button button--secondary' : 'button button--secondary'}
                disabled={busy}
                onClick={() => void move(to)}
              >
                {TRANSITION_LABELS[to]}
              </button>
            ))}
          </div>
          {debrief.report_ids.length > 0 ? (
            <p>
              Linked reports:{' '}
              {debrief.report_ids.map((id, i) => (
                <span key={id}>
                  {i > 0 ? ', ' : ''}
                  <Link to={`/reports/${id}`}>report {i + 1}</Link>
                </span>
              ))}
            </p>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="participants-heading">
        <h2 id="participants-heading">Participants</h2>
        {debrief.participants.length === 0 ? <p>Nobody is invited yet.</p> : null}
        <ul className="tag-list participants" aria-label="Participants">
          {debrief.participants.map((p) => (
            <li key={p.user_id} className="tag">
              {p.display_name}
              {p.attended === true ? ' (attended)' : p.attended === false ? ' (absent)' : ''}
            </li>
          ))}
        </ul>
        {canInvite ? (
          <div className="panel">
            <PeoplePicker
              legend="Invite more people"
              people={people.people}
              chosen={invitees}
              onChange={setInvitees}
              departmentName={nameOf}
              exclude={[debrief.facilitator.id, ...debrief.participants.map((p) => p.user_id)]}
            />
            <button type="button" className="button button--secondary" disabled={busy || invitees.length === 0} onClick={() => void invite()}>
              Invite
            </button>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="record-heading">
        <h2 id="record-heading">The record</h2>
        <p>{record.ground_rules.acknowledged ? 'The ground rules were agreed.' : 'The ground rules have not been agreed yet.'}</p>
        {record.events.length > 0 ? (
          <>
            <h3>What happened</h3>
            <ol>
              {record.events.map((event, i) => (
                <li key={i}>{event}</li>
              ))}
            </ol>
          </>
        ) : null}
        {record.went_well ? (
          <>
            <h3>What went well</h3>
            <p className="prose">{record.went_well}</p>
          </>
        ) : null}
        {record.was_hard ? (
          <>
            <h3>What was hard</h3>
            <p className="prose">{record.was_hard}</p>
          </>
        ) : null}
        {record.contributing_factors.length > 0 ? (
          <>
            <h3>Contributing system factors</h3>
            <ul className="tag-list">
              {record.contributing_factors.map((f) => (
                <li key={f} className="tag">
                  {FACTOR_LABELS[f]}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        {record.learnings ? (
          <>
            <h3>What we learned</h3>
            <p className="prose">{record.learnings}</p>
          </>
        ) : null}
        {record.support_offered !== null && record.support_offered !== undefined ? (
          <p>{record.support_offered ? 'Support was offered to the team.' : 'Support was not offered.'}</p>
        ) : null}
      </section>

      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">Actions</h2>
        {actions.length === 0 ? <p>No actions yet.</p> : null}
        <ul className="card-list" aria-label="Actions of this debrief">
          {actions.map((item) => (
            <ActionItemCard key={item.id} item={item} />
          ))}
        </ul>
      </section>

      {summary ? <FeedbackPanel summary={summary} /> : null}
    </>
  );
}
