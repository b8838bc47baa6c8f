import { acceptTokens, api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { TotpEnrolment, TotpStatus } from '../auth/secondFactorApi';

/**
 * Change your password. Every other session of yours ends; this page's session is renewed
 * with the tokens the answer carries (the refresh cookie too).
 */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  const tokens = unwrap(
    await api.POST('/api/v1/auth/password', {
      body: { current_password: currentPassword, new_password: newPassword },
    }),
  );
  acceptTokens(tokens, 'refreshed');
}

export async function getTotpStatus(): Promise<TotpStatus> {
  return unwrap(await api.GET('/api/v1/auth/totp'));
}

export async function startTotpEnrolment(): Promise<TotpEnrolment> {
  return unwrap(await api.POST('/api/v1/auth/totp/enrolment'));
}

/** Confirm the authenticator with its first code; returns the recovery codes (shown once). */
export async function confirmTotpEnrolment(code: string): Promise<string[]> {
  return unwrap(await api.POST('/api/v1/auth/totp/enrolment/confirm', { body: { code } })).recovery_codes;
}

export async function replaceRecoveryCodes(code: string): Promise<string[]> {
  return unwrap(await api.POST('/api/v1/auth/totp/recovery-codes', { body: { code } })).recovery_codes;
}

export async function turnOffTotp(code: string): Promise<void> {
  unwrap(await api.POST('/api/v1/auth/totp/turn-off', { body: { code } }));
}

/** Set a new password with the token of an emailed reset link (no session needed). */
export async function finishPasswordReset(token: string, newPassword: string): Promise<void> {
  unwrap(await api.POST('/api/v1/auth/password-reset', { body: { token, new_password: newPassword } }));
}
