import { useEffect, useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { RecoveryCodes } from './RecoveryCodes';
import {
  confirmEnrolmentAtSignIn,
  signInWithCode,
  startEnrolmentAtSignIn,
  type PasswordStep,
  type TotpEnrolment,
} from './secondFactorApi';
import { TotpSetup } from './TotpSetup';
import { useAuth } from './useAuth';
import './secondFactor.css';

const FIELDS = ['code'] as const;

/** The sign-in page's second step: a code (or recovery code), or setting up an authenticator. */
export function SecondFactorStep({
  step,
  onRestart,
}: {
  step: Exclude<PasswordStep, { kind: 'signed-in' }>;
  onRestart(): void;
}) {
  return step.kind === 'code' ? (
    <CodeStep challenge={step.challenge} onRestart={onRestart} />
  ) : (
    <EnrolStep challenge={step.challenge} onRestart={onRestart} />
  );
}

function StartAgain({ onRestart }: { onRestart(): void }) {
  return (
    <p className="sign-in__help">
      <button type="button" className="button button--link" onClick={onRestart}>
        Start again with your email and password
      </button>
    </p>
  );
}

function CodeStep({ challenge, onRestart }: { challenge: string; onRestart(): void }) {
  const { finishSignIn } = useAuth();
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await signInWithCode(challenge, code.trim());
      await finishSignIn();
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setSubmitting(false);
    }
  };

  return (
    <>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <FormError message={errors.formError} />
        {recovery ? (
          <TextField
            key="recovery"
            label="Recovery code"
            name="code"
            autoComplete="off"
            spellCheck={false}
            required
            value={code}
            onChange={(event) => setCode(event.target.value)}
            error={errors.fieldErrors.code}
            hint="One of the codes you saved when you set up your authenticator. Each works once."
          />
        ) : (
          <TextField
            key="totp"
            label="Code from your authenticator app"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]*"
            maxLength={6}
            required
            autoFocus
            value={code}
            onChange={(event) => setCode(event.target.value)}
            error={errors.fieldErrors.code}
            hint="Your role or your choice asks for a second step: enter the 6 digits the app shows for Haven."
          />
        )}
        <button type="submit" className="button button--primary button--block" disabled={submitting}>
          {submitting ? 'Checking…' : 'Continue'}
        </button>
      </form>
      <p className="sign-in__help">
        <button
          type="button"
          className="button button--link"
          onClick={() => {
            setRecovery(!recovery);
            setCode('');
            setErrors(NO_ERRORS);
          }}
        >
          {recovery ? 'Use a code from the app instead' : 'No phone at hand? Use a recovery code'}
        </button>
      </p>
      <StartAgain onRestart={onRestart} />
    </>
  );
}

function EnrolStep({ challenge, onRestart }: { challenge: string; onRestart(): void }) {
  const { finishSignIn } = useAuth();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    startEnrolmentAtSignIn(challenge).then(
      (started) => {
        if (current) setEnrolment(started);
      },
      (failed: unknown) => {
        if (current) setError(toFormErrors(failed).formError);
      },
    );
    return () => {
      current = false;
    };
  }, [challenge]);

  if (codes !== null) {
    return <RecoveryCodes codes={codes} doneLabel="I have saved them: continue" onDone={() => void finishSignIn()} />;
  }
  return (
    <>
      <h2>Set up an authenticator</h2>
      <p>Your role needs a second step when you sign in with a password. It takes a minute, once.</p>
      <FormError message={error} />
      {enrolment === null && error === null ? <p role="status">Preparing…</p> : null}
      {enrolment ? (
        <TotpSetup
          enrolment={enrolment}
          confirmLabel="Confirm and sign in"
          onConfirm={async (code) => setCodes(await confirmEnrolmentAtSignIn(challenge, code))}
        />
      ) : null}
      <StartAgain onRestart={onRestart} />
    </>
  );
}
