import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { acceptTokens, currentAccessToken } from '../../api/client';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../../test/http';
import type { TotpStatus } from '../auth/secondFactorApi';
import ProfilePage from './ProfilePage';

const NOT_ENROLLED: TotpStatus = { password_sign_in: true, enrolled: false, required: false, recovery_codes_left: 0, enrolled_at: null };

function renderProfile() {
  acceptTokens(tokens('access-1'));
  return render(
    <MemoryRouter>
      <ProfilePage />
    </MemoryRouter>,
  );
}

describe('ProfilePage: password and two-step sign-in', () => {
  it('changes the password and keeps this session with the tokens the answer carries', async () => {
    const seen: { body: unknown; auth: string | null }[] = [];
    stubFetch(async (request) => {
      switch (pathOf(request)) {
        case '/api/v1/me':
          return json(200, makeMe());
        case '/api/v1/auth/totp':
          return json(200, NOT_ENROLLED);
        case '/api/v1/auth/password':
          seen.push({ body: await request.json(), auth: request.headers.get('Authorization') });
          return json(200, tokens('access-2'));
        default:
          return problem(404);
      }
    });
    renderProfile();
    const user = userEvent.setup();
    const form = (await screen.findByRole('heading', { name: 'Password' })).closest('section')!;
    await user.type(within(form).getByLabelText('Current password'), 'my old password!');
    await user.type(within(form).getByLabelText('New password'), 'a quiet night shift on ward nine');
    await user.type(within(form).getByLabelText('New password again'), 'a quiet night shift on ward nine');
    await user.click(within(form).getByRole('button', { name: 'Change password' }));

    expect(await screen.findByText(/everywhere else you are signed out/)).toBeTruthy();
    expect(seen).toEqual([
      {
        body: { current_password: 'my old password!', new_password: 'a quiet night shift on ward nine' },
        auth: 'Bearer access-1',
      },
    ]);
    // The session goes on with the new tokens (the old access token is dead on the server).
    expect(currentAccessToken()).toBe('access-2');
  });

  it('checks the two new passwords match before asking, and shows the policy next to its field', async () => {
    let asked = 0;
    stubFetch((request) => {
      if (pathOf(request) === '/api/v1/me') return json(200, makeMe());
      if (pathOf(request) === '/api/v1/auth/totp') return json(200, NOT_ENROLLED);
      asked += 1;
      return problem(422, {
        type: 'urn:haven:problem:password-refused',
        detail: 'This password is too easy to guess.',
        errors: [{ field: 'new_password', location: 'body', message: 'This password is too easy to guess.' }],
      });
    });
    renderProfile();
    const user = userEvent.setup();
    const form = (await screen.findByRole('heading', { name: 'Password' })).closest('section')!;
    await user.type(within(form).getByLabelText('Current password'), 'my old password!');
    await user.type(within(form).getByLabelText('New password'), 'password1234');
    await user.type(within(form).getByLabelText('New password again'), 'password12345');
    await user.click(within(form).getByRole('button', { name: 'Change password' }));
    expect(await within(form).findByText('The two new passwords differ.')).toBeTruthy();
    expect(asked).toBe(0);

    await user.clear(within(form).getByLabelText('New password again'));
    await user.type(within(form).getByLabelText('New password again'), 'password1234');
    await user.click(within(form).getByRole('button', { name: 'Change password' }));
    const field = within(form).getByLabelText('New password');
    await within(form).findAllByText('This password is too easy to guess.');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(asked).toBe(1);
  });

  it('sets up an authenticator: QR code and key shown once, a first code, then the recovery codes', async () => {
    let status = NOT_ENROLLED;
    stubFetch(async (request) => {
      switch (pathOf(request)) {
        case '/api/v1/me':
          return json(200, makeMe());
        case '/api/v1/auth/totp':
          return json(200, status);
        case '/api/v1/auth/totp/enrolment':
          return json(200, {
            secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
            otpauth_uri: 'otpauth://totp/Haven:sam?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Haven',
          });
        case '/api/v1/auth/totp/enrolment/confirm':
          expect(await request.json()).toEqual({ code: '123456' });
          status = { ...NOT_ENROLLED, enrolled: true, recovery_codes_left: 10, enrolled_at: '2026-12-04T10:00:00Z' };
          return json(200, { recovery_codes: ['aaaa-bbbb-cccc-dddd'] });
        default:
          return problem(404);
      }
    });
    renderProfile();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Set up an authenticator' }));
    expect(await screen.findByRole('img', { name: 'QR code to scan with your authenticator app' })).toBeTruthy();
    await user.type(screen.getByLabelText('Code from the app'), '123456');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    expect((await screen.findByRole('list', { name: 'Recovery codes' })).textContent).toContain('aaaa-bbbb-cccc-dddd');
    await user.click(screen.getByRole('button', { name: 'I have saved them' }));
    expect(await screen.findByText('Two-step sign-in is on.')).toBeTruthy();
    expect(await screen.findByText(/Recovery codes left: 10/)).toBeTruthy();
    expect(screen.queryByText(/JBSW/)).toBeNull();
  });

  it('shows neither section where passwords are switched off', async () => {
    stubFetch((request) => {
      if (pathOf(request) === '/api/v1/me') return json(200, makeMe());
      if (pathOf(request) === '/api/v1/auth/totp') return json(200, { ...NOT_ENROLLED, password_sign_in: false });
      return problem(404);
    });
    renderProfile();
    expect(await screen.findByText('Sam Staff')).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByRole('heading', { name: 'Password' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Two-step sign-in' })).toBeNull();
  });
});
