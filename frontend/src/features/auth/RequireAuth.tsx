import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAuth } from './useAuth';

export interface SignInLocationState {
  /** Where to return after signing in. */
  from?: { pathname: string; search: string; hash: string };
}

/** Shows its children to a signed-in user; otherwise sends them to sign in, remembering where they were. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, signedOut, deferred, restore } = useAuth();
  const location = useLocation();
  // Opened on a quiet page, the session was not restored: restore it now that a page needs it.
  const restoreNow = status === 'anonymous' && deferred === true;
  useEffect(() => {
    if (restoreNow) void restore?.();
  }, [restoreNow, restore]);
  if (status === 'restoring' || restoreNow) {
    return (
      <p className="page-loading" role="status">
        Loading Haven…
      </p>
    );
  }
  if (status === 'anonymous') {
    const state: SignInLocationState = signedOut
      ? {}
      : { from: { pathname: location.pathname, search: location.search, hash: location.hash } };
    return <Navigate to="/sign-in" replace state={state} />;
  }
  return <>{children}</>;
}
