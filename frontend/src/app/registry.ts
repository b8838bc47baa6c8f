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
  { id: 'support', label: 'Peer support' },
  { id: 'admin', label: 'Admin' },
] as const;

export type NavSectionId = (typeof NAV_SECTIONS)[number]['id'];

export interface FeatureRoute {
  /** Path under the signed-in shell, without leading slash (e.g. `admin/users/:userId`). */
  path: string;
  Page: ComponentType;
  audience: Audience;
}

export interface NavItem {
  label: string;
  /** Absolute path the entry links to. */
  to: string;
  section: NavSectionId;
  audience: Audience;
}

/** A page open without sign-in (e.g. crisis contacts); rendered outside the signed-in shell. */
export interface PublicRoute {
  /** Absolute path, e.g. `/help`. */
  path: string;
  Page: ComponentType;
}

export interface Feature {
  id: string;
  routes: readonly FeatureRoute[];
  nav: readonly NavItem[];
  publicRoutes?: readonly PublicRoute[];
}

export function canSee(audience: Audience, roles: readonly Role[]): boolean {
  return audience === 'any' || audience.some((role) => roles.includes(role));
}
