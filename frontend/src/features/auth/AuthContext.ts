import { createContext } from 'react';
import type { Me, Role } from '../../api/types';
import type { PasswordStep } from './secondFactorApi';

export type AuthStatus = 'restoring' | 'anonymous' | 'authenticated';

export interface AuthState {
  status: AuthStatus;
  me: Me | null;
  /** True once a session that existed could not be renewed (shown on the sign-in page). */
  expired: boolean;
  /** True right after the user signed out on purpose (no "return to where you were"). */
  signedOut: boolean;
  /**
   * True when the page was opened on a quiet page (anonymous reporting, following a report):
   * the session was not restored, so that opening it makes no signed-in request. `restore()`
   * restores it when the person moves on to a page that needs it.
   */
  deferred?: boolean;
}

export interface AuthContextValue extends AuthState {
  /** The password step: signed in, or the second factor's step still to take. */
  signIn(email: string, password: string): Promise<PasswordStep>;
  /** After a second factor's step accepted the session: load the person, signed in. */
  finishSignIn(): Promise<void>;
  signOut(): Promise<void>;
  reloadMe(): Promise<void>;
  /** Restore a deferred session from the refresh cookie (see `deferred`). */
  restore?(): Promise<void>;
  hasRole(...roles: Role[]): boolean;
}

export const AuthContext = createContext<AuthContextValue | null>(null);
