/**
 * The two-person rule for API keys as the page explains it (README, "Separation of roles").
 * The server decides; these only say in advance what it will say.
 */
import type { ApiKey, ApiKeyScope, ApiKeyStatus } from '../../api/types';

/** Scopes that read content: a key holding one works only once a second administrator confirms it. */
export const CONTENT_SCOPES: readonly ApiKeyScope[] = ['reports:read', 'fhir:read'];
/** Scopes that manage people (SCIM provisioning): confirmed by a second administrator too. */
export const PEOPLE_SCOPES: readonly ApiKeyScope[] = ['scim'];

export function keyNeedsSecondAdmin(scopes: readonly ApiKeyScope[]): boolean {
  return scopes.some((s) => CONTENT_SCOPES.includes(s) || PEOPLE_SCOPES.includes(s));
}

export function scopeList(scopes: readonly ApiKeyScope[]): string {
  return scopes.join(', ');
}

const STATUS_LABELS: Record<ApiKeyStatus, string> = {
  pending: 'Waiting for a second administrator',
  active: 'Active',
  rejected: 'Rejected',
  cancelled: 'Withdrawn',
  expired: 'Expired unconfirmed',
};

/** What a key's badge says: revoked wins over every state. */
export function keyStatusLabel(key: Pick<ApiKey, 'status' | 'revoked_at'>): string {
  return key.revoked_at ? 'Revoked' : STATUS_LABELS[key.status];
}

/** True while a key works, or may still work once confirmed: only then is there something to revoke. */
export function keyIsLive(key: Pick<ApiKey, 'status' | 'revoked_at'>): boolean {
  return !key.revoked_at && (key.status === 'active' || key.status === 'pending');
}

export interface KeyActions {
  confirm: boolean;
  reject: boolean;
  cancel: boolean;
  /** Why this admin cannot confirm, when they cannot. */
  note: string | null;
}

/** Which buttons the signed-in admin gets for a pending key (the server checks again). */
export function keyActionsFor(key: Pick<ApiKey, 'created_by_id'>, meId: string | undefined): KeyActions {
  if (meId !== undefined && key.created_by_id === meId) {
    return { confirm: false, reject: false, cancel: true, note: 'You created this key: another administrator confirms it.' };
  }
  return { confirm: true, reject: true, cancel: false, note: null };
}
