import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { usePageTitle } from '../../hooks/usePageTitle';
import { finishPasswordReset } from './accountApi';
import { NewPasswordFields } from './NewPasswordFields';

const FIELDS = ['new_password', 'repeat'] as const;

/**
 * The token of an emailed reset link, read once from the address's fragment (`#token=...`,
 * which browsers never send to a server or in a Referer) and then taken out of the address
 * bar and the history entry.
 */
function takeTokenFromAddress(): string | null {
  const hash = globalThis.location?.hash ?? '';
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  if (token !== null && globalThis.history?.replaceState) {
    const { pathname, search } = globalThis.location;
    globalThis.history.replaceState(globalThis.history.state, '', `${pathname}${search}`);
  }
  return token;
}

/** Choose a new password with the link an administrator had emailed (public: no session). */
export default function ResetPasswordPage() {
  usePageTitle('Choose a new password');
  const [token] = useState(takeTokenFromAddress);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (token === null) return;
    if (password !== repeat) {
      setErrors({ formError: 'Please correct the highlighted fields.', fieldErrors: { repeat: 'The two passwords differ.' } });
      return;
    }
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await finishPasswordReset(token, password);
      setDone(true);
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setSubmitting(false);
    }
  };

  return (
    <>
      <h1>Choose a new password</h1>
      {done ? (
        <div role="status" className="alert alert--success">
          <p>
            Your password is set, and you are signed out everywhere. <Link to="/sign-in">Sign in</Link> with it now.
          </p>
        </div>
      ) : token === null ? (
        <div role="alert" className="alert alert--error">
          <p>
            This page needs the link from your email, opened as it is. Ask your administrator to send a new one if
            it does not work.
          </p>
        </div>
      ) : (
        <form className="form" onSubmit={(event) => void submit(event)} noValidate>
          <p>The link works once, for 30 minutes after it was sent.</p>
          <FormError message={errors.formError} />
          <NewPasswordFields
            password={password}
            onPassword={setPassword}
            repeat={repeat}
            onRepeat={setRepeat}
            errors={errors}
          />
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? 'Saving…' : 'Set my new password'}
          </button>
        </form>
      )}
    </>
  );
}
