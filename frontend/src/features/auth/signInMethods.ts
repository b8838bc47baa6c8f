import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { SignInMethods } from '../../api/types';

/** Passwords only: what the page offers when the server cannot say (an older server, offline). */
export const PASSWORD_ONLY: SignInMethods = { password: true, sso: null };

/** Which sign-in methods this Haven offers (`GET /auth/methods`, public). */
export async function fetchSignInMethods(): Promise<SignInMethods> {
  try {
    const { data } = await api.GET('/api/v1/auth/methods');
    return data ?? PASSWORD_ONLY;
  } catch {
    return PASSWORD_ONLY;
  }
}

/** The methods, or null while they are being asked for. */
export function useSignInMethods(): SignInMethods | null {
  const [methods, setMethods] = useState<SignInMethods | null>(null);
  useEffect(() => {
    let cancelled = false;
    void fetchSignInMethods().then((found) => {
      if (!cancelled) setMethods(found);
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return methods;
}

/**
 * Where the single sign-on button goes: the server's start URL, with the page to come back to.
 * A full navigation (not a fetch): the server sends the browser on to the identity provider.
 */
export function ssoStartHref(startUrl: string, returnTo: string): string {
  if (returnTo === '/' || !returnTo.startsWith('/')) return startUrl;
  return `${startUrl}?${new URLSearchParams({ return_to: returnTo }).toString()}`;
}

/**
 * Why a single sign-on came back without a session (`/sign-in?sso_error=<problem type>`), in
 * plain words. Only these known codes are shown; nothing from the URL is ever displayed.
 */
const SSO_ERRORS: Record<string, string> = {
  'sso-state-invalid':
    'That sign-in took too long or was started in another window or tab. Please try again.',
  'sso-denied': 'Signing in with your organisation was cancelled or did not finish. Please try again.',
  'sso-token-invalid':
    'We could not confirm your sign-in with your organisation. Please try again; if it keeps happening, tell your administrator.',
  'sso-provider-unavailable':
    'Your organisation’s sign-in service cannot be reached just now. Please try again in a few minutes.',
  'sso-no-role':
    'Your organisation’s directory does not give you access to Haven yet. Ask your administrator to add you.',
  'sso-role-combination':
    'Your organisation’s groups give you roles Haven does not allow together. Ask your administrator to change them.',
  'sso-claims-missing':
    'Your organisation’s sign-in did not tell us enough to set up your account. Ask your administrator.',
  'sso-account-conflict':
    'A Haven account with your email already exists and is not linked to your organisation’s sign-in. Ask your administrator.',
  'sso-account-deactivated': 'Your Haven account is deactivated. Ask your administrator.',
  'sso-roles-pending':
    'Your account is ready. Your role waits for a Haven administrator to confirm it: sign in again once they have.',
  'sso-not-configured': 'Signing in with your organisation is not set up here.',
};
const SSO_ERROR_FALLBACK = 'Signing in with your organisation did not work. Please try again.';

export function ssoErrorMessage(search: string): string | null {
  const code = new URLSearchParams(search).get('sso_error');
  if (code === null) return null;
  return SSO_ERRORS[code] ?? SSO_ERROR_FALLBACK;
}
