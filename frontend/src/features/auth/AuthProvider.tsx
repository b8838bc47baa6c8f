import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { onSessionChange, refreshSession } from '../../api/client';
import type { Role } from '../../api/types';
import { AuthContext, type AuthContextValue, type AuthState } from './AuthContext';
import { fetchMe, signInWithPassword, signOut as signOutRequest } from './authApi';

const RESTORING: AuthState = { status: 'restoring', me: null, expired: false, signedOut: false };
const ANONYMOUS: AuthState = { status: 'anonymous', me: null, expired: false, signedOut: false };

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>(RESTORING);

  useEffect(() => {
    const unsubscribe = onSessionChange((event) => {
      if (event === 'expired') {
        setState((prev) => ({ ...ANONYMOUS, expired: prev.status === 'authenticated' }));
      }
    });
    // Restore the session from the refresh cookie on page load.
    let cancelled = false;
    void (async () => {
      const restored = await refreshSession();
      if (cancelled) return;
      if (!restored) {
        setState(ANONYMOUS);
        return;
      }
      try {
        const me = await fetchMe();
        if (!cancelled) setState({ status: 'authenticated', me, expired: false, signedOut: false });
      } catch {
        if (!cancelled) setState(ANONYMOUS);
      }
    })();
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    await signInWithPassword(email, password);
    const me = await fetchMe();
    setState({ status: 'authenticated', me, expired: false, signedOut: false });
  }, []);

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
      signOut,
      reloadMe,
      hasRole: (...roles: Role[]) => state.me !== null && roles.some((r) => state.me!.roles.includes(r)),
    }),
    [state, signIn, signOut, reloadMe],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
