import { api, acceptTokens, clearSession } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Me } from '../../api/types';

/** OAuth2 password grant: the form is urlencoded, the username is the email. */
export async function signInWithPassword(email: string, password: string): Promise<void> {
  const tokens = unwrap(
    await api.POST('/api/v1/auth/token', {
      body: { username: email, password, grant_type: 'password', scope: '' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }),
  );
  acceptTokens(tokens, 'signed-in');
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
