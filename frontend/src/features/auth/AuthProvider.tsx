import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { onSessionChange, refreshSession } from '../../api/client';
import type { Role } from '../../api/types';
import { AuthContext, type AuthContextValue, type AuthState } from './AuthContext';
import { fetchMe, signInWithPassword, signOut as signOutRequest } from './authApi';

const RESTORING: AuthState = { status: 'restoring', me: null, expired: false, signedOut: false };
const ANONYMOUS: AuthState = { status: 'anonymous', me: null, expired: false, signedOut: false };
const DEFERRED: AuthState = { ...ANONYMOUS, deferred: true };

/** The session from the refresh cookie: the person, or null when there is none. */
async function restoreSession(): Promise<AuthState> {
  if (!(await refreshSession())) return ANONYMOUS;
  try {
    return { status: 'authenticated', me: await fetchMe(), expired: false, signedOut: false };
  } catch {
    return ANONYMOUS;
  }
}

function pathname(): string {
  return globalThis.location?.pathname ?? '/';
}

/**
 * `deferRestore(pathname)`: pages opened on which the session is not restored at load (quiet
 * pages: the refresh and the "who am I" call would be logged, and the refresh token's
 * rotation stored, at the very moment someone opened the anonymous flow).
 */
export function AuthProvider({
  children,
  deferRestore,
}: {
  children: ReactNode;
  deferRestore?: (pathname: string) => boolean;
}) {
  const [state, setState] = useState<AuthState>(() => (deferRestore?.(pathname()) ? DEFERRED : RESTORING));
  const [deferredAtLoad] = useState(() => state.deferred === true);

  useEffect(() => {
    const unsubscribe = onSessionChange((event) => {
      if (event === 'expired') {
        setState((prev) => ({ ...ANONYMOUS, expired: prev.status === 'authenticated' }));
      }
    });
    if (deferredAtLoad) return unsubscribe;
    // Restore the session from the refresh cookie on page load.
    let cancelled = false;
    void restoreSession().then((restored) => {
      if (!cancelled) setState(restored);
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [deferredAtLoad]);

  const restore = useCallback(async () => {
    setState(RESTORING);
    setState(await restoreSession());
  }, []);

  const finishSignIn = useCallback(async () => {
    const me = await fetchMe();
    setState({ status: 'authenticated', me, expired: false, signedOut: false });
  }, []);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const step = await signInWithPassword(email, password);
      if (step.kind === 'signed-in') await finishSignIn();
      return step;
    },
    [finishSignIn],
  );

  const signOut = useCallback(async () => {
    await signOutRequest();
    setState({ ...ANONYMOUS, signedOut: true });
  }, []);

  const reloadMe = useCallback(async () => {
    const me = await fetchMe();
    setState((prev) => (prev.status === 'authenticated' ? { ...prev, me } : prev));
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      ...state,
      signIn,
      finishSignIn,
      signOut,
      reloadMe,
      restore,
      hasRole: (...roles: Role[]) => state.me !== null && roles.some((r) => state.me!.roles.includes(r)),
    }),
    [state, signIn, finishSignIn, signOut, reloadMe, restore],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
