import { useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { RadioGroup } from '../../components/RadioGroup';
import { giveFeedback } from './supportApi';
import './support.css';

const FIELDS = ['helpful', 'comment'] as const;

/** Anonymous feedback after closing: stored with no link to the request or the person. */
export function FeedbackForm({ requestId, onDone }: { requestId: string; onDone(): void }) {
  const [helpful, setHelpful] = useState('');
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!helpful) {
      setErrors({ formError: 'Choose how helpful it was.', fieldErrors: { helpful: 'Choose 1 to 5.' } });
      return;
    }
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await giveFeedback(requestId, Number(helpful), comment);
      onDone();
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setSubmitting(false);
    }
  };

  return (
    <form className="form form--nested" onSubmit={(event) => void onSubmit(event)} noValidate>
      <FormError message={errors.formError} />
      <RadioGroup
        legend="Was it helpful? (anonymous)"
        name={`helpful-${requestId}`}
        value={helpful}
        onChange={setHelpful}
        options={[1, 2, 3, 4, 5].map((n) => ({
          value: String(n),
          label: n === 1 ? '1 (not at all)' : n === 5 ? '5 (very)' : String(n),
        }))}
        error={errors.fieldErrors.helpful}
      />
      <div className="field">
        <label htmlFor={`comment-${requestId}`}>Anything to tell the program? (optional)</label>
        <textarea
          id={`comment-${requestId}`}
          maxLength={1000}
          rows={3}
          value={comment}
          onChange={(event) => setComment(event.target.value)}
        />
      </div>
      <p className="field__hint">
        Your answer is kept without your name or this request, and your supporter never sees it.
      </p>
      <div className="form__actions">
        <button type="submit" className="button button--secondary" disabled={submitting}>
          Send feedback
        </button>
      </div>
    </form>
  );
}
