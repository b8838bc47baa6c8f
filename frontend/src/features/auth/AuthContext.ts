import { createContext } from 'react';
import type { Me, Role } from '../../api/types';

export type AuthStatus = 'restoring' | 'anonymous' | 'authenticated';

export interface AuthState {
  status: AuthStatus;
  me: Me | null;
  /** True once a session that existed could not be renewed (shown on the sign-in page). */
  expired: boolean;
  /** True right after the user signed out on purpose (no "return to where you were"). */
  signedOut: boolean;
}

export interface AuthContextValue extends AuthState {
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  reloadMe(): Promise<void>;
  hasRole(...roles: Role[]): boolean;
}

export const AuthContext = createContext<AuthContextValue | null>(null);
