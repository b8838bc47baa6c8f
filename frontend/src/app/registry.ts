/**
 * What a feature contributes to the app: its routes and its navigation entries,
 * each with the roles that may see it. Features list themselves in `features.ts`.
 *
 * The server enforces every permission; the audience here only decides what the
 * client offers, so people are not shown pages that would answer 403.
 */
import type { ComponentType } from 'react';
import type { Role } from '../api/types';

/** Who sees a route or nav entry: any signed-in user, or holders of any of the roles. */
export type Audience = 'any' | readonly Role[];

/** Navigation sections, in display order. Later features add theirs here. */
export const NAV_SECTIONS = [
  { id: 'personal', label: 'My Haven' },
  { id: 'insights', label: 'See where support is needed' },
  { id: 'safety', label: 'Safety' },
  { id: 'learning', label: 'Debriefs and actions' },
  { id: 'support', label: 'Peer support' },
  { id: 'admin', label: 'Admin' },
  { id: 'audit', label: 'Audit' },
] as const;

export type NavSectionId = (typeof NAV_SECTIONS)[number]['id'];

export interface FeatureRoute {
  /** Path under the signed-in shell, without leading slash (e.g. `admin/users/:userId`). */
  path: string;
  Page: ComponentType;
  audience: Audience;
}

/**
 * A page anyone may open, signed in or not (e.g. following an anonymous report). Signed-in
 * people see it inside the usual shell; others in a plain one with a link to sign in.
 */
export interface PublicRoute {
  /** Path without leading slash (e.g. `follow-report`). */
  path: string;
  Page: ComponentType;
  /** When given, the sign-in page links to it under this label. */
  label?: string;
  /**
   * A quiet page (the server declares the same path quiet): opened directly, the app does not
   * restore the session (no signed-in request at load), and the page holds the app's client
   * quiet while it is shown (see `useQuietFlow`).
   */
  quiet?: boolean;
}

export interface NavItem {
  label: string;
  /** Absolute path the entry links to. */
  to: string;
  section: NavSectionId;
  audience: Audience;
}

export interface Feature {
  id: string;
  routes: readonly FeatureRoute[];
  /** Pages open without signing in; the server must allow their calls without a session too. */
  publicRoutes?: readonly PublicRoute[];
  nav: readonly NavItem[];
}

export function canSee(audience: Audience, roles: readonly Role[]): boolean {
  return audience === 'any' || audience.some((role) => roles.includes(role));
}
