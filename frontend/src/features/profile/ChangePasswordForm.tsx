import { useId, useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { changePassword } from './accountApi';
import { NewPasswordFields } from './NewPasswordFields';

const FIELDS = ['current_password', 'new_password', 'repeat'] as const;

/** Change your own password (the current one is needed); signs you out everywhere else. */
export function ChangePasswordForm() {
  const id = useId();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setDone(null);
    if (next !== repeat) {
      setErrors({ formError: 'Please correct the highlighted fields.', fieldErrors: { repeat: 'The two new passwords differ.' } });
      return;
    }
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone('Your password is changed. You stay signed in here; everywhere else you are signed out.');
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className="profile-section">
      <h2 id={`${id}-title`}>Password</h2>
      <StatusMessage message={done} />
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <FormError message={errors.formError} />
        <TextField
          label="Current password"
          type="password"
          name="current_password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
          error={errors.fieldErrors.current_password}
        />
        <NewPasswordFields password={next} onPassword={setNext} repeat={repeat} onRepeat={setRepeat} errors={errors} />
        <button type="submit" className="button button--primary" disabled={submitting}>
          {submitting ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
