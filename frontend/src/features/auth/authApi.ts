import { api, acceptTokens, clearSession } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Me } from '../../api/types';
import { secondFactorStep, type PasswordStep } from './secondFactorApi';

/**
 * OAuth2 password grant: the form is urlencoded, the username is the email. A right password
 * may still ask for a second factor (the returned step; see secondFactorApi.ts).
 */
export async function signInWithPassword(email: string, password: string): Promise<PasswordStep> {
  let tokens;
  try {
    tokens = unwrap(
      await api.POST('/api/v1/auth/token', {
        body: { username: email, password, grant_type: 'password', scope: '' },
        bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    );
  } catch (error) {
    const step = secondFactorStep(error);
    if (step === null) throw error;
    return step;
  }
  acceptTokens(tokens, 'signed-in');
  return { kind: 'signed-in' };
}

export async function fetchMe(): Promise<Me> {
  return unwrap(await api.GET('/api/v1/me'));
}

/** Revoke the refresh token server-side; forget the access token whatever the answer. */
export async function signOut(): Promise<void> {
  try {
    await api.POST('/api/v1/auth/logout');
  } catch {
    // Offline: the local session is dropped below regardless; the cookie expires on its own.
  } finally {
    clearSession('signed-out');
  }
}
