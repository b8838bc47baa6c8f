import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { acceptTokens } from '../../api/client';
import { AuthContext, type AuthContextValue } from '../auth/AuthContext';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../../test/http';
import UsersPage from './UsersPage';

const ADMIN = makeMe({ id: '00000000-0000-4000-8000-00000000000a', roles: ['admin'], display_name: 'Ada Admin' });
const NURSE = {
  id: '00000000-0000-4000-8000-00000000000b',
  email: 'nina@example.org',
  display_name: 'Nina Nurse',
  roles: ['staff'],
  department_id: null,
  profession: 'nurse',
  is_active: true,
  version: 1,
  created_at: '2026-12-01T08:00:00Z',
  last_login_at: null,
};

function renderUsers() {
  acceptTokens(tokens('access'));
  const auth: AuthContextValue = {
    status: 'authenticated',
    me: ADMIN,
    expired: false,
    signedOut: false,
    signIn: async () => ({ kind: 'signed-in' as const }),
    finishSignIn: async () => {},
    signOut: async () => {},
    reloadMe: async () => {},
    hasRole: () => true,
  };
  render(
    <AuthContext.Provider value={auth}>
      <MemoryRouter>
        <UsersPage />
      </MemoryRouter>
    </AuthContext.Provider>,
  );
}

describe('UsersPage: an administrator helps someone sign in', () => {
  it('emails a reset link and unlocks sign-in, never seeing a password', async () => {
    const posted: string[] = [];
    stubFetch((request) => {
      const path = pathOf(request);
      if (path === '/api/v1/users') return json(200, { items: [NURSE], next_cursor: null });
      if (path === '/api/v1/departments' || path === '/api/v1/role-grants') return json(200, { items: [], next_cursor: null });
      if (request.method === 'POST') posted.push(path);
      if (path === `/api/v1/users/${NURSE.id}/password-reset`) return json(202, { expires_at: '2026-12-04T10:30:00Z' });
      if (path === `/api/v1/users/${NURSE.id}/unlock`) return new Response(null, { status: 204 });
      return problem(404);
    });
    renderUsers();
    const user = userEvent.setup();
    const card = (await screen.findByRole('heading', { name: 'Nina Nurse' })).closest('li')!;

    await user.click(within(card).getByRole('button', { name: /^Send reset link\s*to Nina Nurse$/ }));
    expect(await screen.findByText(/A link to choose a new password is on its way to nina@example.org/)).toBeTruthy();
    await user.click(within(card).getByRole('button', { name: /^Unlock sign-in\s*of Nina Nurse$/ }));
    expect(await screen.findByText('Nina Nurse can sign in again at once, from any device.')).toBeTruthy();
    expect(posted).toEqual([`/api/v1/users/${NURSE.id}/password-reset`, `/api/v1/users/${NURSE.id}/unlock`]);
  });

  it('says why no link went out when email is not set up', async () => {
    stubFetch((request) => {
      const path = pathOf(request);
      if (path === '/api/v1/users') return json(200, { items: [NURSE], next_cursor: null });
      if (path === '/api/v1/departments' || path === '/api/v1/role-grants') return json(200, { items: [], next_cursor: null });
      return problem(409, {
        type: 'urn:haven:problem:email-not-configured',
        detail: 'Haven cannot send email (HAVEN_SMTP_HOST is not set), so it cannot send a reset link.',
      });
    });
    renderUsers();
    const user = userEvent.setup();
    const card = (await screen.findByRole('heading', { name: 'Nina Nurse' })).closest('li')!;
    await user.click(within(card).getByRole('button', { name: /^Send reset link\s*to Nina Nurse$/ }));
    expect((await screen.findByRole('alert')).textContent).toContain('cannot send a reset link');
  });
});
