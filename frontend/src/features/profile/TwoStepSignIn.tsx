import { useId, useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import type { Loaded } from '../../hooks/useLoad';
import { RecoveryCodes } from '../auth/RecoveryCodes';
import type { TotpEnrolment, TotpStatus } from '../auth/secondFactorApi';
import { TotpSetup } from '../auth/TotpSetup';
import {
  confirmTotpEnrolment,
  replaceRecoveryCodes,
  startTotpEnrolment,
  turnOffTotp,
} from './accountApi';

type Action = 'replace' | 'turn-off';

/** Two-step sign-in on the profile page: set up an authenticator, replace recovery codes, turn it off. */
export function TwoStepSignIn({ status }: { status: Loaded<TotpStatus> }) {
  const id = useId();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  // Recovery codes to show once, and what to say when the person has saved them.
  const [codes, setCodes] = useState<{ codes: string[]; saved: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);

  const start = async () => {
    setError(null);
    setFlash(null);
    try {
      setEnrolment(await startTotpEnrolment());
    } catch (failed) {
      setError(toFormErrors(failed).formError);
    }
  };

  const finished = (message: string) => {
    setCodes(null);
    setEnrolment(null);
    setAction(null);
    setFlash(message);
    status.reload();
  };

  const state = status.data;
  return (
    <section aria-labelledby={`${id}-title`} className="profile-section">
      <h2 id={`${id}-title`}>Two-step sign-in</h2>
      <StatusMessage message={flash} />
      <FormError message={error ?? status.error} />
      {codes !== null ? (
        <RecoveryCodes codes={codes.codes} doneLabel="I have saved them" onDone={() => finished(codes.saved)} />
      ) : enrolment !== null ? (
        <TotpSetup
          enrolment={enrolment}
          onConfirm={async (code) =>
            setCodes({ codes: await confirmTotpEnrolment(code), saved: 'Two-step sign-in is on.' })
          }
        />
      ) : state === null ? (
        status.error === null ? <p role="status">Loading…</p> : null
      ) : state.enrolled ? (
        <>
          <p>
            On since <DateTime value={state.enrolled_at ?? ''} />: signing in with your password also asks for a code
            from your authenticator app. Recovery codes left: {state.recovery_codes_left}.
          </p>
          {action === null ? (
            <div className="card__actions">
              <button type="button" className="button button--secondary" onClick={() => setAction('replace')}>
                New recovery codes
              </button>
              {state.required ? null : (
                <button type="button" className="button button--secondary" onClick={() => setAction('turn-off')}>
                  Turn two-step sign-in off
                </button>
              )}
            </div>
          ) : (
            <CodeConfirm
              label={action === 'replace' ? 'Make new recovery codes' : 'Turn it off'}
              onCancel={() => setAction(null)}
              onConfirm={async (code) => {
                if (action === 'replace') {
                  const fresh = await replaceRecoveryCodes(code);
                  setCodes({ codes: fresh, saved: 'Your new recovery codes replace the old ones.' });
                  setAction(null);
                } else {
                  await turnOffTotp(code);
                  finished('Two-step sign-in is off.');
                }
              }}
            />
          )}
          {state.required ? <p className="field__hint">Your role requires it, so it cannot be turned off.</p> : null}
        </>
      ) : (
        <>
          <p>
            {state.required
              ? 'Your role requires a code from an authenticator app when you sign in with a password.'
              : 'Add a code from an authenticator app to your password, so a stolen password alone does not open your account.'}
          </p>
          <button type="button" className="button button--primary" onClick={() => void start()}>
            Set up an authenticator
          </button>
        </>
      )}
    </section>
  );
}

function CodeConfirm({
  label,
  onConfirm,
  onCancel,
}: {
  label: string;
  onConfirm(code: string): Promise<void>;
  onCancel(): void;
}) {
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await onConfirm(code.trim());
    } catch (failed) {
      setErrors(toFormErrors(failed, { fields: ['code'] }));
      setSubmitting(false);
    }
  };
  return (
    <form className="form" onSubmit={(event) => void submit(event)} noValidate>
      <FormError message={errors.formError} />
      <TextField
        label="Code from your authenticator app"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={6}
        required
        value={code}
        onChange={(event) => setCode(event.target.value)}
        error={errors.fieldErrors.code}
      />
      <div className="card__actions">
        <button type="submit" className="button button--primary" disabled={submitting}>
          {label}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
