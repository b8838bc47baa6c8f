import { useCallback, useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { toFormErrors } from '../../api/problem';
import { CONTRIBUTING_FACTORS, type ContributingFactor, type JcQuestion, type JcReview } from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useLoad } from '../../hooks/useLoad';
import { NO_WRITE_ERRORS, WriteError, writeErrors, type WriteErrors } from './conflicts';
import { RadioGroup, TextAreaField } from './fields';
import {
  askedQuestions,
  previousQuestion,
  progressOf,
  QUESTIONS,
  screenAfterSave,
  SYSTEM_FOCUSED_OUTCOMES,
  writeCompletion,
  writeWithAnswer,
  type Answers,
} from './justCulture';
import { FACTOR } from './labels';
import { createReview, listReviews, updateReview } from './reportsApi';

/** The just-culture reviews of one report: one per action or omission, each re-entrant. */
export function JustCulturePanel({ reportId }: { reportId: string }) {
  const loaded = useLoad(useCallback(() => listReviews(reportId), [reportId]));
  const reviews = loaded.data;
  const [openId, setOpenId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [subject, setSubject] = useState('');
  const [subjectError, setSubjectError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const idempotencyKey = useIdempotencyKey();

  const start = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (subject.trim() === '') {
      setSubjectError('Name the one action or omission this review is about.');
      return;
    }
    setBusy(true);
    setSubjectError(undefined);
    setStartError(null);
    try {
      const created = await createReview(reportId, { subject: subject.trim(), complete: false }, idempotencyKey.current());
      idempotencyKey.renew();
      loaded.set((prev) => [...(prev ?? []), created]);
      setSubject('');
      setOpenId(created.id);
    } catch (err) {
      idempotencyKey.renew();
      const formErrors = toFormErrors(err, { fields: ['subject'] });
      setStartError(formErrors.formError);
      setSubjectError(formErrors.fieldErrors.subject);
    } finally {
      setBusy(false);
    }
  };

  const replace = (review: JcReview) => loaded.set((prev) => (prev ?? []).map((r) => (r.id === review.id ? review : r)));
  const open = reviews?.find((r) => r.id === openId) ?? null;
  const error = startError ?? loaded.error;

  return (
    <section className="panel" aria-labelledby="jc-title">
      <h2 id="jc-title">Just-culture review</h2>
      <p className="lead">
        The NHS “just culture guide”, one question at a time, for one action or omission at a time. The outcome is
        worked out from your answers. Four of its seven outcomes (C, D, E and F) point away from action against the
        individual and towards health support, the system or mitigation.
      </p>
      <FormError message={error} />
      {reviews === null && !error ? <p role="status">Loading reviews…</p> : null}
      {open ? (
        <JustCultureGuide key={open.id} review={open} onSaved={replace} onClose={() => setOpenId(null)} onReload={loaded.reload} />
      ) : (
        <>
          {reviews && reviews.length > 0 ? (
            <ul className="card-list" aria-label="Reviews">
              {reviews.map((review) => (
                <li key={review.id} className="card">
                  <div className="card__main">
                    <h3 className="card__title">{review.subject}</h3>
                    <p className="card__meta">
                      {review.outcome ? `Outcome ${review.outcome.letter}: ${review.outcome.title}` : 'In progress'}
                      {' · '}
                      {review.is_complete ? 'Complete' : 'Not complete'}
                    </p>
                  </div>
                  <div className="card__actions">
                    <button type="button" className="button button--secondary" onClick={() => setOpenId(review.id)}>
                      {review.is_complete ? 'Open' : 'Continue'}
                      <span className="visually-hidden"> the review of {review.subject}</span>
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
          <form className="form subform" onSubmit={(event) => void start(event)} noValidate>
            <TextField
              label="Action or omission to review"
              hint="One at a time, in neutral words, for example “The second check of the insulin dose was not done”."
              value={subject}
              maxLength={500}
              onChange={(event) => setSubject(event.target.value)}
              error={subjectError}
            />
            <div className="form__actions">
              <button type="submit" className="button button--primary" disabled={busy}>
                Start a review
              </button>
            </div>
          </form>
        </>
      )}
    </section>
  );
}

interface GuideProps {
  review: JcReview;
  onSaved(review: JcReview): void;
  onClose(): void;
  onReload(): void;
}

type AnswerChoice = 'yes' | 'no' | 'unknown';
const toChoice = (answer: boolean | null | undefined): AnswerChoice | '' =>
  answer === true ? 'yes' : answer === false ? 'no' : answer === null ? 'unknown' : '';
const fromChoice = (choice: AnswerChoice): boolean | null => (choice === 'yes' ? true : choice === 'no' ? false : null);

/** The guide as a step-by-step form: each answer is saved (If-Match) and the server says what comes next. */
function JustCultureGuide({ review, onSaved, onClose, onReload }: GuideProps) {
  const answers = review.answers as Answers;
  const [screen, setScreen] = useState<JcQuestion | 'outcome'>(() => screenAfterSave(review));
  const current = screen === 'outcome' ? null : screen;
  const [choice, setChoice] = useState<AnswerChoice | ''>(() => (current ? toChoice(answers[current]?.answer) : ''));
  const [evidence, setEvidence] = useState(() => (current ? (answers[current]?.evidence ?? '') : ''));
  const [factors, setFactors] = useState<ContributingFactor[]>(review.system_factors);
  const [errors, setErrors] = useState<WriteErrors>(NO_WRITE_ERRORS);
  const [flash, setFlash] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    heading.current?.focus();
  }, [screen]);

  const show = (next: JcQuestion | 'outcome', source: JcReview) => {
    const a = source.answers as Answers;
    setScreen(next);
    setErrors(NO_WRITE_ERRORS);
    if (next !== 'outcome') {
      setChoice(toChoice(a[next]?.answer));
      setEvidence(a[next]?.evidence ?? '');
    }
  };

  const saveAnswer = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!current) return;
    if (choice === '') {
      setErrors({ ...NO_WRITE_ERRORS, fieldErrors: { answer: 'Choose yes, no or not yet known.' } });
      return;
    }
    setBusy(true);
    setErrors(NO_WRITE_ERRORS);
    setFlash(null);
    try {
      const saved = await updateReview(review, writeWithAnswer(review, current, fromChoice(choice), evidence));
      onSaved(saved);
      const next = screenAfterSave(saved);
      if (next === current) setFlash('Saved. This question stays open until the facts are known; come back to it later.');
      else show(next, saved);
    } catch (error) {
      setErrors(writeErrors(error, { fields: ['answers', 'subject'] }));
    } finally {
      setBusy(false);
    }
  };

  const complete = async () => {
    setBusy(true);
    setErrors(NO_WRITE_ERRORS);
    setFlash(null);
    try {
      const saved = await updateReview(review, writeCompletion(review, factors));
      onSaved(saved);
      setFlash('The review is complete.');
    } catch (error) {
      setErrors(writeErrors(error, { fields: ['system_factors', 'answers'] }));
    } finally {
      setBusy(false);
    }
  };

  const back = previousQuestion(answers, current);
  const asked = askedQuestions(answers).filter((q) => answers[q] !== undefined);

  return (
    <div className="guide">
      <p className="breadcrumb">
        <button type="button" className="link-button" onClick={onClose}>
          All reviews of this report
        </button>
      </p>
      <h3 className="guide__subject">Reviewing: {review.subject}</h3>
      <StatusMessage message={flash} />
      <WriteError errors={errors} onReload={onReload} />
      {current ? (
        <form className="form" onSubmit={(event) => void saveAnswer(event)} noValidate>
          <p className="guide__progress">
            Question {progressOf(current).number} of at most {progressOf(current).total} · {progressOf(current).stage.title}
          </p>
          <h4 ref={heading} tabIndex={-1} className="guide__question">
            {QUESTIONS[current].text}
          </h4>
          <p className="field__hint">{progressOf(current).stage.intro}</p>
          <RadioGroup<AnswerChoice>
            legend="Your answer"
            name={`answer-${current}`}
            hint={QUESTIONS[current].help}
            compact
            choices={[
              { value: 'yes', label: 'Yes' },
              { value: 'no', label: 'No' },
              { value: 'unknown', label: 'Not yet known' },
            ]}
            value={choice}
            onChange={setChoice}
            error={errors.fieldErrors.answer}
          />
          <TextAreaField
            label="Evidence"
            hint="What the answer rests on: statements, records, observations. No names are needed."
            value={evidence}
            maxLength={4000}
            rows={3}
            checkPhi
            onChange={(event) => setEvidence(event.target.value)}
          />
          <div className="form__actions">
            {back ? (
              <button type="button" className="button button--secondary" onClick={() => show(back, review)}>
                Previous question
              </button>
            ) : null}
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save and continue'}
            </button>
          </div>
        </form>
      ) : (
        <Outcome
          review={review}
          headingRef={heading}
          factors={factors}
          setFactors={setFactors}
          errors={errors}
          busy={busy}
          onComplete={() => void complete()}
          onBack={back ? () => show(back, review) : null}
        />
      )}
      {asked.length > 0 ? (
        <details className="guide__answers">
          <summary>Answers so far ({asked.length})</summary>
          <ol>
            {asked.map((q) => (
              <li key={q}>
                <p>
                  <strong>{QUESTIONS[q].text}</strong> {toChoice(answers[q]?.answer) === 'yes' ? 'Yes' : toChoice(answers[q]?.answer) === 'no' ? 'No' : 'Not yet known'}
                </p>
                {answers[q]?.evidence ? <p className="card__meta">Evidence: {answers[q]?.evidence}</p> : null}
                <button type="button" className="link-button" onClick={() => show(q, review)}>
                  Change this answer<span className="visually-hidden">: {QUESTIONS[q].text}</span>
                </button>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}

interface OutcomeProps {
  review: JcReview;
  headingRef: RefObject<HTMLHeadingElement | null>;
  factors: ContributingFactor[];
  setFactors(values: ContributingFactor[]): void;
  errors: WriteErrors;
  busy: boolean;
  onComplete(): void;
  onBack: (() => void) | null;
}

function Outcome({ review, headingRef, factors, setFactors, errors, busy, onComplete, onBack }: OutcomeProps) {
  const outcome = review.outcome;
  if (!outcome) {
    return <p>The guide has no outcome yet: answer the open question first.</p>;
  }
  return (
    <div className="outcome-box">
      <h4 ref={headingRef} tabIndex={-1} className="guide__question">
        Outcome {outcome.letter}: {outcome.title}
      </h4>
      <p>{outcome.guidance}</p>
      <p className={outcome.points_away_from_individual_action ? 'alert alert--success' : 'alert alert--info'}>
        {outcome.points_away_from_individual_action
          ? 'This outcome points away from action against the individual: the focus is health support, the system or mitigation.'
          : 'This outcome follows organisational guidance for the individual. The wider system still needs looking at.'}{' '}
        Of the guide’s seven outcomes, {SYSTEM_FOCUSED_OUTCOMES.join(', ')} point away from individual action.
      </p>
      <CheckboxGroup
        legend="Contributing system factors"
        name="system_factors"
        hint="At least one is needed to complete the review: what in the system made this possible?"
        options={CONTRIBUTING_FACTORS.map((f) => ({ value: f, label: FACTOR[f].label }))}
        values={factors}
        onChange={(values) => setFactors(values as ContributingFactor[])}
        error={errors.fieldErrors.system_factors}
      />
      {errors.fieldErrors.answers ? <p className="field__error">{errors.fieldErrors.answers}</p> : null}
      <p>{review.is_complete ? 'This review is complete. Saving again keeps it complete with these factors.' : null}</p>
      <div className="form__actions">
        {onBack ? (
          <button type="button" className="button button--secondary" onClick={onBack}>
            Previous question
          </button>
        ) : null}
        <button type="button" className="button button--primary" disabled={busy} onClick={onComplete}>
          {review.is_complete ? 'Save factors' : 'Complete the review'}
        </button>
      </div>
    </div>
  );
}
