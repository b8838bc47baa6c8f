import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { ActionItemForm } from './ActionItemForm';
import { blameReminder } from './blame';
import { StrengthBadge, TextAreaField, useCategories, HierarchyExplainer } from './components';
import {
  getDebrief,
  listActionItems,
  recordAttendance,
  saveRecord,
  transitionDebrief,
  type ContributingFactor,
  type DebriefStatus,
} from './debriefsApi';
import { FACTORS, FACTOR_LABELS, TRANSITION_LABELS } from './labels';
import { draftOf, missingForSummary, moved, STEPS, toWrite, type Draft } from './record';
import { usePeople } from './usePeople';

const RECORD_FIELDS = [
  'ground_rules_acknowledged',
  'events',
  'went_well',
  'was_hard',
  'contributing_factors',
  'learnings',
  'support_offered',
] as const;

function BlameReminder({ texts, names }: { texts: string[]; names: string[] }) {
  const reminder = blameReminder(texts, names);
  return (
    <div role="status" className={reminder ? 'alert alert--info' : 'visually-hidden'}>
      {reminder ? <p>{reminder}</p> : null}
    </div>
  );
}

/**
 * The facilitator's view, made for a tablet: one step of the blame-free record at a time,
 * saved as they go. Leaving "Who is here" marks a scheduled debrief as held.
 */
export default function FacilitatePage() {
  const { debriefId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const stepIndex = Math.min(Math.max(Number(params.get('step') ?? '0') || 0, 0), STEPS.length - 1);
  const step = STEPS[stepIndex]!;
  usePageTitle(`Debrief record: ${step.title}`);

  const [draft, setDraft] = useState<Draft | null>(null);
  const [recordVersion, setRecordVersion] = useState(1);
  const [present, setPresent] = useState<string[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const { categories } = useCategories();
  const loaded = useLoad(
    useCallback(() => getDebrief(debriefId), [debriefId]),
    (found) => {
      setDraft(draftOf(found.record));
      setRecordVersion(found.record.version);
      setPresent(found.participants.filter((p) => p.attended !== false).map((p) => p.user_id));
    },
  );
  const debrief = loaded.data;
  const people = usePeople(debrief?.can_manage ?? false);
  // The debrief's actions, read once the debrief is in.
  const loadActions = useCallback(() => listActionItems({ debriefId }, null).then((page) => page.items), [debriefId]);
  const actionsLoaded = useLoad(debrief ? loadActions : null);
  const actions = actionsLoaded.data ?? [];
  const headingRef = useRef<HTMLHeadingElement>(null);
  const reloadAll = () => {
    loaded.reload();
    actionsLoaded.reload();
  };

  useEffect(() => {
    headingRef.current?.focus();
  }, [stepIndex]);

  if (!debrief || !draft) {
    return loaded.error ? <FormError message={loaded.error} /> : <p role="status">Loading the record…</p>;
  }
  const names = [...debrief.participants.map((p) => p.display_name), debrief.facilitator.display_name];
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const goTo = (index: number) => {
    const next = new URLSearchParams(params);
    next.set('step', String(index));
    setParams(next, { replace: true });
  };

  const save = async (): Promise<boolean> => {
    const saved = await saveRecord(debrief.id, recordVersion, toWrite(draft));
    setRecordVersion(saved.version);
    loaded.set({ ...debrief, record: saved });
    return true;
  };

  const saveAndGo = async (index: number) => {
    setSaving(true);
    setErrors(NO_ERRORS);
    setMessage(null);
    try {
      if (step.id === 'attendance') {
        const absent = debrief.participants.map((p) => p.user_id).filter((id) => !present.includes(id));
        const participants = await recordAttendance(debrief.id, present, absent);
        let current = { ...debrief, participants };
        if (current.status === 'scheduled' && index > stepIndex) {
          current = await transitionDebrief(current, 'held');
        }
        loaded.set(current);
      } else if (step.id !== 'actions' && step.id !== 'finish') {
        await save();
      }
      setMessage('Saved.');
      goTo(index);
    } catch (err) {
      setErrors(toFormErrors(err, { fields: RECORD_FIELDS }));
      if (err instanceof ApiError && err.status === 412) reloadAll();
    } finally {
      setSaving(false);
    }
  };

  const move = async (to: DebriefStatus) => {
    setSaving(true);
    setErrors(NO_ERRORS);
    try {
      loaded.set(await transitionDebrief(debrief, to));
      setMessage(`The debrief is now ${to}.`);
    } catch (err) {
      setErrors(toFormErrors(err));
    } finally {
      setSaving(false);
    }
  };

  const missing = missingForSummary(draft);
  const editable = debrief.status !== 'closed' && debrief.status !== 'cancelled';

  return (
    <div className="facilitate">
      <p className="breadcrumb">
        <Link to={`/debriefs/${debrief.id}`}>{debrief.title}</Link>
      </p>
      <nav aria-label="Steps of the record">
        <ol className="steps">
          {STEPS.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                className="steps__button"
                aria-current={i === stepIndex ? 'step' : undefined}
                onClick={() => goTo(i)}
              >
                <span className="steps__number">{i + 1}</span> {s.title}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <h1 ref={headingRef} tabIndex={-1}>
        {step.title}
      </h1>
      <StatusMessage message={message} />
      <FormError message={loaded.error ?? actionsLoaded.error ?? errors.formError} />
      {!debrief.can_manage ? <p className="alert alert--info">Only the people running this debrief can change the record.</p> : null}

      <div className="step-panel">
        {step.id === 'ground-rules' ? (
          <>
            <blockquote className="ground-rules">{debrief.record.ground_rules.text}</blockquote>
            <label className="checkbox checkbox--large">
              <input
                type="checkbox"
                checked={draft.groundRulesAcknowledged}
                onChange={(event) => set('groundRulesAcknowledged', event.target.checked)}
              />
              <span>We have read the ground rules together and agree to them</span>
            </label>
            {errors.fieldErrors.ground_rules_acknowledged ? (
              <p className="field__error">{errors.fieldErrors.ground_rules_acknowledged}</p>
            ) : null}
          </>
        ) : null}

        {step.id === 'attendance' ? (
          <>
            <CheckboxGroup
              legend="Who is here"
              name="attended"
              hint="Only people marked here are asked for anonymous feedback afterwards."
              options={debrief.participants.map((p) => ({ value: p.user_id, label: p.display_name }))}
              values={present}
              onChange={setPresent}
            />
            {debrief.participants.length === 0 ? <p>Nobody is invited yet: invite people from the debrief’s page.</p> : null}
            {debrief.status === 'scheduled' ? (
              <p className="field__hint">Continuing marks the debrief as held and opens feedback to those present.</p>
            ) : null}
          </>
        ) : null}

        {step.id === 'events' ? (
          <fieldset className="field">
            <legend>What happened, in order</legend>
            <p className="field__hint">One system event per line, without names: what the equipment, process or team did.</p>
            <ol className="events">
              {draft.events.map((event, i) => (
                <li key={i} className="events__item">
                  <label htmlFor={`event-${i}`} className="visually-hidden">
                    Event {i + 1}
                  </label>
                  <textarea
                    id={`event-${i}`}
                    rows={2}
                    maxLength={500}
                    value={event}
                    onChange={(e) => set('events', draft.events.map((x, j) => (j === i ? e.target.value : x)))}
                  />
                  <div className="events__controls">
                    <button type="button" className="button button--secondary" onClick={() => set('events', moved(draft.events, i, -1))} disabled={i === 0}>
                      Up<span className="visually-hidden"> event {i + 1}</span>
                    </button>
                    <button
                      type="button"
                      className="button button--secondary"
                      onClick={() => set('events', moved(draft.events, i, 1))}
                      disabled={i === draft.events.length - 1}
                    >
                      Down<span className="visually-hidden"> event {i + 1}</span>
                    </button>
                    <button type="button" className="button button--secondary" onClick={() => set('events', draft.events.filter((_, j) => j !== i))}>
                      Remove<span className="visually-hidden"> event {i + 1}</span>
                    </button>
                  </div>
                </li>
              ))}
            </ol>
            <button type="button" className="button button--secondary" onClick={() => set('events', [...draft.events, ''])} disabled={draft.events.length >= 50}>
              Add an event
            </button>
            {errors.fieldErrors.events ? <p className="field__error">{errors.fieldErrors.events}</p> : null}
            <BlameReminder texts={draft.events} names={names} />
          </fieldset>
        ) : null}

        {step.id === 'went-well' ? (
          <>
            <TextAreaField label="What went well" rows={6} maxLength={4000} value={draft.wentWell} onChange={(e) => set('wentWell', e.target.value)} error={errors.fieldErrors.went_well} />
            <BlameReminder texts={[draft.wentWell]} names={names} />
          </>
        ) : null}

        {step.id === 'was-hard' ? (
          <>
            <TextAreaField label="What was hard" rows={6} maxLength={4000} value={draft.wasHard} onChange={(e) => set('wasHard', e.target.value)} error={errors.fieldErrors.was_hard} />
            <BlameReminder texts={[draft.wasHard]} names={names} />
          </>
        ) : null}

        {step.id === 'factors' ? (
          <CheckboxGroup
            legend="Contributing system factors"
            name="contributing_factors"
            hint="The same taxonomy as reports. At least one is needed to summarise the debrief."
            options={FACTORS.map((f) => ({ value: f, label: FACTOR_LABELS[f] }))}
            values={draft.factors}
            onChange={(values) => set('factors', values as ContributingFactor[])}
            error={errors.fieldErrors.contributing_factors}
          />
        ) : null}

        {step.id === 'learnings' ? (
          <>
            <TextAreaField label="What we learned" rows={6} maxLength={4000} value={draft.learnings} onChange={(e) => set('learnings', e.target.value)} error={errors.fieldErrors.learnings} />
            <BlameReminder texts={[draft.learnings]} names={names} />
          </>
        ) : null}

        {step.id === 'support' ? (
          <fieldset className="field">
            <legend>Was support offered to the team?</legend>
            <p className="field__hint">Record only whether it was offered, never who needed it.</p>
            {(
              [
                [true, 'Yes, support was offered'],
                [false, 'No'],
              ] as const
            ).map(([value, label]) => (
              <label key={label} className="checkbox checkbox--large">
                <input type="radio" name="support_offered" checked={draft.supportOffered === value} onChange={() => set('supportOffered', value)} />
                <span>{label}</span>
              </label>
            ))}
          </fieldset>
        ) : null}

        {step.id === 'actions' ? (
          <>
            <HierarchyExplainer categories={categories} />
            <ul className="card-list" aria-label="Actions of this debrief">
              {actions.map((item) => (
                <li key={item.id} className="card">
                  <div className="card__main">
                    <p>
                      <StrengthBadge strength={item.strength} />
                    </p>
                    <h3 className="card__title">{item.description}</h3>
                    <p className="card__meta">Owner {item.owner.display_name}</p>
                  </div>
                </li>
              ))}
            </ul>
            {debrief.status === 'held' || debrief.status === 'summarized' ? (
              <ActionItemForm
                debriefId={debrief.id}
                people={people.people}
                categories={categories}
                onCreated={(item) => {
                  actionsLoaded.set([...actions, item]);
                  setMessage(`Action added: ${item.strength} action.`);
                }}
              />
            ) : (
              <p className="alert alert--info">Actions are added once the debrief is held.</p>
            )}
          </>
        ) : null}

        {step.id === 'finish' ? (
          <>
            {missing.length > 0 ? (
              <p className="alert alert--info">Before the debrief can be summarised it needs {missing.join(' and ')}.</p>
            ) : (
              <p>The record is complete enough to summarise.</p>
            )}
            <div className="form__actions">
              {debrief.allowed_transitions
                .filter((to) => to !== 'cancelled')
                .map((to) => (
                  <button key={to} type="button" className="button button--primary" disabled={saving} onClick={() => void move(to)}>
                    {TRANSITION_LABELS[to]}
                  </button>
                ))}
              <Link to={`/debriefs/${debrief.id}`} className="button button--secondary">
                Back to the debrief
              </Link>
            </div>
          </>
        ) : null}
      </div>

      {editable ? (
        <div className="form__actions step-nav">
          {stepIndex > 0 ? (
            <button type="button" className="button button--secondary" disabled={saving} onClick={() => void saveAndGo(stepIndex - 1)}>
              Back
            </button>
          ) : null}
          {stepIndex < STEPS.length - 1 ? (
            <button type="button" className="button button--primary" disabled={saving || !debrief.can_manage} onClick={() => void saveAndGo(stepIndex + 1)}>
              {saving ? 'Saving…' : 'Save and continue'}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
