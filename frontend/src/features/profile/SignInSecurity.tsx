import { useCallback } from 'react';
import { FormError } from '../../components/FormError';
import { useLoad } from '../../hooks/useLoad';
import { getTotpStatus } from './accountApi';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TwoStepSignIn } from './TwoStepSignIn';

/**
 * The profile's password and two-step sign-in sections. Where passwords are switched off
 * (single sign-on only), the hospital's identity provider handles both and nothing is shown.
 */
export function SignInSecurity() {
  const load = useCallback(() => getTotpStatus(), []);
  const status = useLoad(load);
  if (status.data === null) return <FormError message={status.error} />;
  if (!status.data.password_sign_in) return null;
  return (
    <>
      <ChangePasswordForm />
      <TwoStepSignIn status={status} />
    </>
  );
}
