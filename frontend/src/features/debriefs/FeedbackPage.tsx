import { useCallback, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { ScaleField } from './components';
import { getDebrief, giveFeedback } from './debriefsApi';

const FIELDS = ['felt_safe', 'systems_focus', 'useful'] as const;

/** Three questions on a phone, answered anonymously, once. */
export default function FeedbackPage() {
  usePageTitle('Feedback on a debrief');
  const { debriefId = '' } = useParams();
  const loaded = useLoad(useCallback(() => getDebrief(debriefId), [debriefId]));
  const debrief = loaded.data;
  const [feltSafe, setFeltSafe] = useState<number | null>(null);
  const [systemsFocus, setSystemsFocus] = useState<number | null>(null);
  const [useful, setUseful] = useState<number | null>(null);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [sent, setSent] = useState(false);
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (feltSafe === null || systemsFocus === null || useful === null) {
      setErrors({ formError: 'Please answer all three questions.', fieldErrors: {} });
      return;
    }
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await giveFeedback(debriefId, { felt_safe: feltSafe, systems_focus: systemsFocus, useful });
      setSent(true);
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setSubmitting(false);
    }
  };

  if (sent) {
    return (
      <>
        <h1>Thank you</h1>
        <p className="alert alert--success" role="status">
          Your answers were stored without your name. Averages are shared only when at least five people have answered.
        </p>
        <Link to={`/debriefs/${debriefId}`} className="button button--secondary">
          Back to the debrief
        </Link>
      </>
    );
  }

  if (!debrief) {
    return loaded.error ? <FormError message={loaded.error} /> : <p role="status">Loading…</p>;
  }

  return (
    <>
      <p className="breadcrumb">
        <Link to={`/debriefs/${debriefId}`}>{debrief.title}</Link>
      </p>
      <h1>How did the debrief go?</h1>
      <p className="lead">
        Anonymous: your answers are stored with no link to you, and nobody sees them until at least five people have
        answered.
      </p>
      {!debrief.feedback.can_give ? (
        <p className="alert alert--info">
          {debrief.feedback.given
            ? 'You have already given feedback on this debrief. Thank you.'
            : 'Feedback on this debrief is not open to you.'}
        </p>
      ) : (
        <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
          <FormError message={errors.formError} />
          <ScaleField legend="I felt safe to speak" name="felt_safe" value={feltSafe} onChange={setFeltSafe} error={errors.fieldErrors.felt_safe} />
          <ScaleField
            legend="It focused on systems rather than blame"
            name="systems_focus"
            value={systemsFocus}
            onChange={setSystemsFocus}
            error={errors.fieldErrors.systems_focus}
          />
          <ScaleField legend="It was useful" name="useful" value={useful} onChange={setUseful} error={errors.fieldErrors.useful} />
          <button type="submit" className="button button--primary button--block" disabled={submitting}>
            {submitting ? 'Sending…' : 'Send anonymously'}
          </button>
        </form>
      )}
    </>
  );
}
