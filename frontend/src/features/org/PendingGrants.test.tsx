import { render, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { RoleGrant } from '../../api/types';
import { useKeysetList } from '../../hooks/useKeysetList';
import { json, pathOf, problem, stubFetch } from '../../test/http';
import { listPendingRoleGrants } from './orgApi';
import { PendingGrants } from './PendingGrants';

/** A button's name: jsdom drops the space before the visually hidden part a browser reads. */
function action(verb: string, what: string): RegExp {
  return new RegExp(`^${verb}\\s?${what}$`);
}

const ME = '00000000-0000-4000-8000-0000000000a1';
const OTHER_ADMIN = '00000000-0000-4000-8000-0000000000a2';

function grant(overrides: Partial<RoleGrant>): RoleGrant {
  return {
    id: '00000000-0000-4000-8000-0000000000g1',
    user_id: '00000000-0000-4000-8000-0000000000u1',
    user_display_name: 'Nina Nurse',
    roles: ['safety_officer'],
    department_id: null,
    status: 'pending',
    proposed_by_id: OTHER_ADMIN,
    proposed_by_name: 'Alex Admin',
    created_at: '2026-12-04T10:00:00Z',
    expires_at: '2026-12-11T10:00:00Z',
    decided_by_id: null,
    decided_at: null,
    version: 3,
    ...overrides,
  };
}

async function renderWith(grants: RoleGrant[], onDecided = vi.fn()) {
  const decisions: { path: string; ifMatch: string | null }[] = [];
  stubFetch((request) => {
    const path = pathOf(request);
    if (path === '/api/v1/role-grants') return json(200, { items: grants, next_cursor: null });
    if (path.startsWith('/api/v1/role-grants/') && request.method === 'POST') {
      decisions.push({ path, ifMatch: request.headers.get('If-Match') });
      if (path.endsWith('/confirm')) {
        return problem(422, {
          title: 'These roles cannot be held together',
          detail: 'Not allowed together: safety_officer with peer_supporter.',
          errors: [{ field: 'roles', location: 'body', message: 'Not allowed together.' }],
        });
      }
      return json(200, { ...grants[0], status: 'cancelled' });
    }
    return problem(404);
  });
  const list = renderHook(() => useKeysetList<RoleGrant>(listPendingRoleGrants));
  await waitFor(() => expect(list.result.current.loading).toBe(false));
  render(
    <PendingGrants grants={list.result.current} meId={ME} departmentName={() => 'ICU'} onDecided={onDecided} />,
  );
  return { decisions, onDecided };
}

describe('PendingGrants', () => {
  it('offers another administrator confirm and reject, never cancel', async () => {
    await renderWith([grant({})]);
    const card = screen.getByRole('listitem');
    expect(within(card).getByRole('heading', { name: 'Safety officer for Nina Nurse' })).toBeTruthy();
    expect(within(card).getByRole('button', { name: action('Confirm', 'Safety officer for Nina Nurse') })).toBeTruthy();
    expect(within(card).getByRole('button', { name: action('Reject', 'Safety officer for Nina Nurse') })).toBeTruthy();
    expect(within(card).queryByRole('button', { name: /^Cancel/ })).toBeNull();
  });

  it('lets the proposer only cancel, with the grant version as If-Match', async () => {
    const { decisions, onDecided } = await renderWith([grant({ proposed_by_id: ME })]);
    expect(screen.queryByRole('button', { name: /^Confirm/ })).toBeNull();
    expect(screen.getByText('You proposed this: another administrator confirms it.')).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: action('Cancel', 'Safety officer for Nina Nurse') }));
    await waitFor(() => expect(onDecided).toHaveBeenCalledWith('Withdrawn: Safety officer for Nina Nurse.'));
    expect(decisions).toEqual([
      { path: '/api/v1/role-grants/00000000-0000-4000-8000-0000000000g1/cancel', ifMatch: '"3"' },
    ]);
  });

  it('never offers confirm for a grant to the signed-in administrator', async () => {
    await renderWith([grant({ user_id: ME, roles: ['auditor'], user_display_name: 'Me' })]);
    expect(screen.queryByRole('button', { name: /^Confirm/ })).toBeNull();
    expect(screen.getByRole('button', { name: action('Reject', 'Auditor for Me') })).toBeTruthy();
  });

  it('shows why a confirmation was refused', async () => {
    const { onDecided } = await renderWith([grant({})]);
    await userEvent.setup().click(screen.getByRole('button', { name: action('Confirm', 'Safety officer for Nina Nurse') }));
    expect(await screen.findByText(/Not allowed together: safety_officer with peer_supporter\./)).toBeTruthy();
    expect(onDecided).not.toHaveBeenCalled();
  });

  it('shows nothing when no grant waits', async () => {
    const list = renderHook(() => useKeysetList<RoleGrant>(async () => ({ items: [], next_cursor: null })));
    await waitFor(() => expect(list.result.current.loading).toBe(false));
    const { container } = render(
      <PendingGrants grants={list.result.current} meId={ME} departmentName={() => ''} onDecided={vi.fn()} />,
    );
    expect(container.innerHTML).toBe('');
  });
});
