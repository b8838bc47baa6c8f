import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FEATURES } from '../../app/features';
import { HOME_PATH } from '../../app/paths';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { PRODUCT_NAME, usePageTitle } from '../../hooks/usePageTitle';
import type { SignInLocationState } from './RequireAuth';
import type { PasswordStep } from './secondFactorApi';
import { SecondFactorStep } from './SecondFactorStep';
import { ssoErrorMessage, useSignInMethods } from './signInMethods';
import { SsoSignIn } from './SsoSignIn';
import { useAuth } from './useAuth';
import './auth.css';

// The token endpoint names the email `username` (OAuth2 password flow).
const FIELDS = ['username', 'password'] as const;

/** Pages open without an account (following an anonymous report …), linked below the form. */
const publicLinks = FEATURES.flatMap((feature) => feature.publicRoutes ?? []).filter(
  (route): route is typeof route & { label: string } => Boolean(route.label),
);

function safeReturnPath(state: unknown): string {
  const from = (state as SignInLocationState | null)?.from;
  if (!from || !from.pathname.startsWith('/') || from.pathname === '/sign-in') return HOME_PATH;
  return `${from.pathname}${from.search}${from.hash}`;
}

export function SignInPage() {
  usePageTitle('Sign in');
  const { status, expired, signIn, deferred, restore } = useAuth();
  const location = useLocation();
  // Passwords, single sign-on or both (null while asked for); and why a single sign-on
  // came back here without a session, if it did.
  const methods = useSignInMethods();
  const ssoError = ssoErrorMessage(location.search);
  // Opened on a quiet page, the session was not restored: someone may still be signed in.
  useEffect(() => {
    if (status === 'anonymous' && deferred) void restore?.();
  }, [status, deferred, restore]);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  // A right password that still needs a second factor (a code, or setting one up).
  const [step, setStep] = useState<Exclude<PasswordStep, { kind: 'signed-in' }> | null>(null);

  if (status === 'authenticated') return <Navigate to={safeReturnPath(location.state)} replace />;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      const next = await signIn(email.trim(), password);
      if (next.kind !== 'signed-in') {
        setStep(next);
        setPassword('');
        setSubmitting(false);
      }
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setSubmitting(false);
    }
  };

  return (
    <div className="sign-in">
      <header className="sign-in__header">
        <p className="brand brand--large">{PRODUCT_NAME}</p>
        <p className="sign-in__tagline">Support for the people who care for patients.</p>
      </header>
      <main id="main" className="sign-in__main">
        <h1>Sign in</h1>
        {status === 'restoring' || methods === null ? (
          <p role="status">Checking your session…</p>
        ) : step !== null ? (
          <SecondFactorStep step={step} onRestart={() => setStep(null)} />
        ) : (
          <>
            {ssoError ? <p className="alert alert--error" role="alert">{ssoError}</p> : null}
            <SsoSignIn methods={methods} returnTo={safeReturnPath(location.state)} />
            {methods.password ? (
              <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
                {expired && !errors.formError ? (
                  <p className="alert alert--info">Your session has ended. Please sign in again.</p>
                ) : null}
                <FormError message={errors.formError} />
                <TextField
                  label="Email"
                  type="email"
                  name="username"
                  autoComplete="username"
                  inputMode="email"
                  required
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                  error={errors.fieldErrors.username}
                />
                <TextField
                  label="Password"
                  type="password"
                  name="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(event) => setPassword(event.target.value)}
                  error={errors.fieldErrors.password}
                />
                <button type="submit" className="button button--primary button--block" disabled={submitting}>
                  {submitting ? 'Signing in…' : 'Sign in'}
                </button>
              </form>
            ) : null}
          </>
        )}
        <p className="sign-in__help">
          <Link to="/help">Need help now? Crisis contacts, no sign-in needed</Link>
        </p>
      </main>
      {publicLinks.length > 0 ? (
        <nav className="sign-in__public" aria-label="Without signing in">
          <ul>
            {publicLinks.map((route) => (
              <li key={route.path}>
                <Link to={`/${route.path}`}>{route.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
    </div>
  );
}
