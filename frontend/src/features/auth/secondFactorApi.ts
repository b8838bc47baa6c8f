/**
 * The steps after a right password, for people with a second factor (TOTP): the server
 * answers the password step with a 401 problem that carries a `challenge`, and the page asks
 * for a code (or, for a privileged role without an authenticator yet, sets one up first).
 */
import { acceptTokens, api } from '../../api/client';
import { ApiError, unwrap } from '../../api/problem';
import type { components } from '../../api/schema';

export type TotpEnrolment = components['schemas']['TotpEnrolment'];
export type TotpStatus = components['schemas']['TotpStatus'];

/** What a right password leads to. */
export type PasswordStep =
  | { kind: 'signed-in' }
  | { kind: 'code'; challenge: string }
  | { kind: 'enrol'; challenge: string };

const STEP_OF_PROBLEM: Record<string, 'code' | 'enrol'> = {
  'urn:haven:problem:second-factor-required': 'code',
  'urn:haven:problem:second-factor-enrolment-required': 'enrol',
};

/** The step a refused password step asks for, or null when it was simply refused. */
export function secondFactorStep(error: unknown): PasswordStep | null {
  if (!(error instanceof ApiError) || error.status !== 401 || error.problem === null) return null;
  const kind = STEP_OF_PROBLEM[error.problem.type];
  const challenge = (error.problem as { challenge?: unknown }).challenge;
  if (kind === undefined || typeof challenge !== 'string') return null;
  return { kind, challenge };
}

/** Finish signing in with a code from the authenticator or a recovery code. */
export async function signInWithCode(challenge: string, code: string): Promise<void> {
  const tokens = unwrap(await api.POST('/api/v1/auth/sign-in/totp', { body: { challenge, code } }));
  acceptTokens(tokens, 'signed-in');
}

export async function startEnrolmentAtSignIn(challenge: string): Promise<TotpEnrolment> {
  return unwrap(await api.POST('/api/v1/auth/sign-in/totp-enrolment', { body: { challenge } }));
}

/** Confirm the new authenticator and sign in; returns the recovery codes (shown once). */
export async function confirmEnrolmentAtSignIn(challenge: string, code: string): Promise<string[]> {
  const done = unwrap(
    await api.POST('/api/v1/auth/sign-in/totp-enrolment/confirm', { body: { challenge, code } }),
  );
  acceptTokens(done, 'signed-in');
  return done.recovery_codes ?? [];
}
