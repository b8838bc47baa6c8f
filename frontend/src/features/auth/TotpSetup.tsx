import { useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { QrCode } from './QrCode';
import type { TotpEnrolment } from './secondFactorApi';
import './secondFactor.css';

const FIELDS = ['code'] as const;

/**
 * Setting up an authenticator app: the secret the server shows this once, as a QR code and as
 * text, and the first code that confirms it. Used at sign-in (a role that must have one) and
 * on the profile page.
 */
export function TotpSetup({
  enrolment,
  onConfirm,
  confirmLabel = 'Confirm',
}: {
  enrolment: TotpEnrolment;
  onConfirm(code: string): Promise<void>;
  confirmLabel?: string;
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
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setSubmitting(false);
    }
  };

  return (
    <div className="totp-setup">
      <ol className="totp-setup__steps">
        <li>
          <p>Open an authenticator app on your phone (for example Microsoft Authenticator, Google Authenticator or FreeOTP) and scan this code:</p>
          <QrCode value={enrolment.otpauth_uri} label="QR code to scan with your authenticator app" />
          <p>Cannot scan it? Enter this key in the app instead (time-based):</p>
          <p>
            <code className="totp-setup__secret" aria-label="Key for your authenticator app">
              {enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}
            </code>
          </p>
        </li>
        <li>
          <form className="form" onSubmit={(event) => void submit(event)} noValidate>
            <FormError message={errors.formError} />
            <TextField
              label="Code from the app"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]*"
              maxLength={6}
              required
              value={code}
              onChange={(event) => setCode(event.target.value)}
              error={errors.fieldErrors.code}
              hint="The 6 digits the app shows for Haven."
            />
            <button type="submit" className="button button--primary" disabled={submitting}>
              {submitting ? 'Checking…' : confirmLabel}
            </button>
          </form>
        </li>
      </ol>
      <p className="field__hint">This key is shown only now. Haven keeps it sealed and never shows it again.</p>
    </div>
  );
}
