import { describe, expect, it } from 'vitest';
import { awaitingMessage, grantActionsFor, roleConflict, rolesAwaitingConfirmation } from './roleRules';

const ME = 'me';
const OTHER = 'other';

describe('roleConflict', () => {
  it('names a role that reads identified reports held with a support role', () => {
    expect(roleConflict(['safety_officer', 'support_coordinator'])).toBe(
      'Safety officer cannot be held together with Support coordinator: a role that reads identified reports or manages people never sits with peer support.',
    );
  });

  it('lists every role on each side', () => {
    expect(roleConflict(['admin', 'department_lead', 'peer_supporter', 'staff'])).toMatch(
      /^Department lead and Administrator cannot be held together with Peer supporter:/,
    );
  });

  it('allows roles on one side only', () => {
    expect(roleConflict(['support_coordinator', 'peer_supporter', 'staff'])).toBeNull();
    expect(roleConflict(['admin', 'auditor', 'safety_officer', 'department_lead', 'staff'])).toBeNull();
  });
});

describe('rolesAwaitingConfirmation', () => {
  it('holds back privileged roles the person does not have yet', () => {
    expect(rolesAwaitingConfirmation(['staff'], ['staff', 'safety_officer', 'peer_supporter'], false)).toEqual([
      'safety_officer',
    ]);
  });

  it('lets removals, staff and peer supporter through at once', () => {
    expect(rolesAwaitingConfirmation(['admin', 'auditor'], ['admin', 'staff', 'peer_supporter'], false)).toEqual([]);
  });

  it('treats a lead moving to another department as a new grant', () => {
    expect(rolesAwaitingConfirmation(['department_lead'], ['department_lead'], true)).toEqual(['department_lead']);
    expect(rolesAwaitingConfirmation(['department_lead'], ['department_lead'], false)).toEqual([]);
    expect(rolesAwaitingConfirmation(['auditor'], ['auditor'], true)).toEqual([]);
  });
});

describe('grantActionsFor', () => {
  it('lets the proposer only cancel', () => {
    expect(grantActionsFor({ proposed_by_id: ME, user_id: OTHER }, ME)).toMatchObject({
      confirm: false,
      reject: false,
      cancel: true,
    });
  });

  it('never lets the person the grant is for confirm it', () => {
    expect(grantActionsFor({ proposed_by_id: OTHER, user_id: ME }, ME)).toMatchObject({
      confirm: false,
      reject: true,
      cancel: false,
    });
  });

  it('lets another administrator confirm or reject', () => {
    expect(grantActionsFor({ proposed_by_id: OTHER, user_id: 'third' }, ME)).toEqual({
      confirm: true,
      reject: true,
      cancel: false,
      note: null,
    });
  });
});

describe('awaitingMessage', () => {
  it('says what waits, for whom', () => {
    expect(awaitingMessage({ roles: ['auditor', 'safety_officer'], user_display_name: 'Ada' })).toBe(
      'Auditor and Safety officer for Ada now waits for a second administrator to confirm.',
    );
  });
});
