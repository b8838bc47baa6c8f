/**
 * The separation of roles as the admin pages explain it (DESIGN.md, "Separation of roles").
 * The server decides; these only say in advance what it will say, so an admin learns it
 * before saving: which roles wait for a second administrator, and which never go together.
 */
import { ROLE_LABELS, type Role, type RoleGrant } from '../../api/types';

/** Roles that read identified reports or manage people. */
export const IDENTITY_ROLES: readonly Role[] = ['safety_officer', 'department_lead', 'admin', 'auditor'];
/** Roles of the peer-support program: never on one account with an identity role. */
export const SUPPORT_ROLES: readonly Role[] = ['support_coordinator', 'peer_supporter'];
/** Adding one of these waits for a second administrator's confirmation. */
export const PRIVILEGED_ROLES: readonly Role[] = [
  'admin',
  'auditor',
  'safety_officer',
  'support_coordinator',
  'department_lead',
];

export function roleList(roles: readonly Role[]): string {
  const labels = roles.map((r) => ROLE_LABELS[r]);
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** The message for a forbidden combination, or null when the roles may be held together. */
export function roleConflict(roles: readonly Role[]): string | null {
  const identity = IDENTITY_ROLES.filter((r) => roles.includes(r));
  const support = SUPPORT_ROLES.filter((r) => roles.includes(r));
  if (identity.length === 0 || support.length === 0) return null;
  return (
    `${roleList(identity)} cannot be held together with ${roleList(support)}: ` +
    'a role that reads identified reports or manages people never sits with peer support.'
  );
}

/**
 * The roles a change would leave waiting for a second administrator: privileged roles the
 * person does not hold yet, and department lead when a lead moves to another department.
 */
export function rolesAwaitingConfirmation(
  before: readonly Role[],
  after: readonly Role[],
  departmentChanged: boolean,
): Role[] {
  return after.filter(
    (r) =>
      PRIVILEGED_ROLES.includes(r) &&
      (!before.includes(r) || (r === 'department_lead' && departmentChanged)),
  );
}

/** What to tell the admin after saving when part of the change waits. */
export function awaitingMessage(grant: Pick<RoleGrant, 'roles' | 'user_display_name'>): string {
  return `${roleList(grant.roles)} for ${grant.user_display_name} now waits for a second administrator to confirm.`;
}

export interface GrantActions {
  confirm: boolean;
  reject: boolean;
  cancel: boolean;
  /** Why this admin cannot confirm, when they cannot. */
  note: string | null;
}

/** Which buttons the signed-in admin gets for a pending grant (the server checks again). */
export function grantActionsFor(
  grant: Pick<RoleGrant, 'proposed_by_id' | 'user_id'>,
  meId: string | undefined,
): GrantActions {
  if (meId !== undefined && grant.proposed_by_id === meId) {
    return { confirm: false, reject: false, cancel: true, note: 'You proposed this: another administrator confirms it.' };
  }
  if (meId !== undefined && grant.user_id === meId) {
    return { confirm: false, reject: true, cancel: false, note: 'This is for your account: another administrator confirms it.' };
  }
  return { confirm: true, reject: true, cancel: false, note: null };
}
