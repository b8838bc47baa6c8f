import { useId, useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import type { CheckinQuestion, CheckinReceipt } from '../../api/types';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { weekLabel } from '../insights/format';
import { getCurrentCheckin, submitCheckin } from './checkinsApi';
import './checkins.css';

type Answers = Record<string, number | boolean | string>;

function dayAfter(isoDate: string): string {
  const day = new Date(`${isoDate}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

function ChoiceQuestion({
  question,
  value,
  error,
  onChange,
}: {
  question: CheckinQuestion;
  value: number | boolean | string | undefined;
  error: string | undefined;
  onChange(value: number | boolean): void;
}) {
  const id = useId();
  const isScale = question.type === 'scale_1_5';
  const options: { value: number | boolean; label: string; hint?: string }[] = isScale
    ? [1, 2, 3, 4, 5].map((n) => ({
        value: n,
        label: String(n),
        ...(n === 1 && question.low_label ? { hint: question.low_label } : {}),
        ...(n === 5 && question.high_label ? { hint: question.high_label } : {}),
      }))
    : [
        { value: true, label: 'Yes' },
        { value: false, label: 'No' },
      ];
  const scaleHint =
    isScale && question.low_label && question.high_label ? `1 = ${question.low_label}, 5 = ${question.high_label}` : null;
  return (
    <fieldset
      className={['field', 'choice', error ? 'field--invalid' : ''].join(' ').trim()}
      aria-describedby={[scaleHint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined}
    >
      <legend>{question.text}</legend>
      {scaleHint ? (
        <p id={`${id}-hint`} className="field__hint">
          {scaleHint}
        </p>
      ) : null}
      <div className={isScale ? 'choice__options choice__options--scale' : 'choice__options'}>
        {options.map((option) => (
          <label key={String(option.value)} className="choice__option">
            <input
              type="radio"
              name={question.key}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
            />
            <span>{option.label}</span>
            {option.hint ? <span className="visually-hidden"> ({option.hint})</span> : null}
          </label>
        ))}
      </div>
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

const loadCheckin = () => getCurrentCheckin();

export default function CheckinPage() {
  usePageTitle('Check-in');
  const current = useLoad(loadCheckin);
  const checkin = current.data;
  const [answers, setAnswers] = useState<Answers>({});
  const [consent, setConsent] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [receipt, setReceipt] = useState<CheckinReceipt | null>(null);

  const reachOut = checkin?.questions.find((q) => q.type === 'reach_out');
  const wantsContact = reachOut ? answers[reachOut.key] === true : false;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!checkin) return;
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      const body: Answers = {};
      for (const q of checkin.questions) {
        const value = answers[q.key];
        if (value === undefined) continue;
        if (q.type === 'short_text' && typeof value === 'string' && value.trim() === '') continue;
        body[q.key] = value;
      }
      setReceipt(await submitCheckin({ answers: body, consent_to_contact: wantsContact && consent }));
    } catch (error) {
      const fields = [...checkin.questions.map((q) => `answers.${q.key}`), 'consent_to_contact'];
      setErrors(toFormErrors(error, { fields }));
      if (error instanceof ApiError && error.status === 409) {
        current.set({ ...checkin, has_answered: true });
      }
    } finally {
      setSubmitting(false);
    }
  };

  const period = checkin ? `week of ${weekLabel(checkin.period_start)}` : '';
  return (
    <>
      <h1>{checkin?.name ?? 'Check-in'}</h1>
      {checkin && !receipt && !checkin.has_answered ? (
        <p className="lead">
          Your answers are anonymous: they are kept without your name, and figures are only shown for groups of at least
          five people. One minute, once a {checkin.period === 'fortnightly' ? 'fortnight' : 'week'}.
        </p>
      ) : null}
      {checkin === null && current.error === null ? <p role="status">Loading the check-in…</p> : null}
      {receipt ? (
        <div className="alert alert--success" role="status">
          <p>Thank you. Your answers for the {period} are in.</p>
          <p>They are counted together with other people&rsquo;s answers, never on their own.</p>
          {receipt.support_requested ? <p>A peer supporter will contact you.</p> : null}
        </div>
      ) : checkin?.has_answered ? (
        <div className="alert alert--info" role="status">
          <p>You have already answered the check-in for the {period}. The next one opens on {weekLabel(dayAfter(checkin.period_end))}.</p>
        </div>
      ) : null}
      {checkin && !checkin.has_answered && !receipt ? (
        <form className="form checkin" onSubmit={(event) => void onSubmit(event)} noValidate>
          <FormError message={errors.formError} />
          {checkin.questions.map((question) => {
            const error = errors.fieldErrors[`answers.${question.key}`];
            if (question.type === 'short_text') {
              return (
                <TextField
                  key={question.key}
                  label={`${question.text} (optional)`}
                  name={question.key}
                  maxLength={500}
                  value={typeof answers[question.key] === 'string' ? (answers[question.key] as string) : ''}
                  onChange={(e) => setAnswers({ ...answers, [question.key]: e.target.value })}
                  error={error}
                />
              );
            }
            return (
              <div key={question.key}>
                <ChoiceQuestion
                  question={question}
                  value={answers[question.key]}
                  error={error}
                  onChange={(value) => setAnswers({ ...answers, [question.key]: value })}
                />
                {question.type === 'reach_out' && wantsContact ? (
                  <div className={['field', errors.fieldErrors.consent_to_contact ? 'field--invalid' : ''].join(' ')}>
                    <label className="checkbox">
                      <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
                      <span>
                        I agree that a peer supporter may contact me. My name goes to the support team; my answers do
                        not.
                      </span>
                    </label>
                    {errors.fieldErrors.consent_to_contact ? (
                      <p className="field__error">{errors.fieldErrors.consent_to_contact}</p>
                    ) : null}
                  </div>
                ) : null}
              </div>
            );
          })}
          <div className="form__actions">
            <button type="submit" className="button button--primary button--block" disabled={submitting}>
              {submitting ? 'Sending…' : 'Send my answers'}
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}
