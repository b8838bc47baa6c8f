import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../../test/http';
import { AuthProvider } from './AuthProvider';
import { SignInPage } from './SignInPage';

function Where() {
  const location = useLocation();
  return <p>Now at {location.pathname}</p>;
}

function renderSignIn() {
  return render(
    <AuthProvider>
      <MemoryRouter initialEntries={['/sign-in']}>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

function challengeProblem(type: string): Response {
  return new Response(
    JSON.stringify({
      type: `urn:haven:problem:${type}`,
      title: 'Second step',
      status: 401,
      detail: 'Enter the 6-digit code from your authenticator app, or a recovery code.',
      challenge: 'the-challenge',
      challenge_expires_in: 300,
    }),
    { status: 401, headers: { 'Content-Type': 'application/problem+json' } },
  );
}

async function submitPassword() {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), 'ada@example.org');
  await user.type(screen.getByLabelText('Password'), 'a long enough password');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return user;
}

describe('the second step of signing in', () => {
  it('asks for the code after a right password and signs in with it', async () => {
    const sent: unknown[] = [];
    stubFetch(async (request) => {
      switch (pathOf(request)) {
        case '/api/v1/auth/token':
          return challengeProblem('second-factor-required');
        case '/api/v1/auth/sign-in/totp':
          sent.push(await request.json());
          return json(200, tokens('access'));
        case '/api/v1/me':
          return json(200, makeMe({ roles: ['admin'] }));
        default:
          return problem(401);
      }
    });
    renderSignIn();
    const user = await submitPassword();

    const code = await screen.findByLabelText('Code from your authenticator app');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(screen.queryByLabelText('Password')).toBeNull();
    await user.type(code, '123456');
    await user.click(screen.getByRole('button', { name: 'Continue' }));

    expect(await screen.findByText('Now at /profile')).toBeTruthy();
    expect(sent).toEqual([{ challenge: 'the-challenge', code: '123456' }]);
  });

  it('takes a recovery code instead, and shows a refused code next to its field', async () => {
    const sent: unknown[] = [];
    stubFetch(async (request) => {
      if (pathOf(request) === '/api/v1/auth/token') return challengeProblem('second-factor-required');
      if (pathOf(request) === '/api/v1/auth/sign-in/totp') {
        sent.push(await request.json());
        return problem(401, {
          type: 'urn:haven:problem:second-factor-refused',
          detail: 'That code did not work. Codes change every 30 seconds and work once.',
          errors: [{ field: 'code', location: 'body', message: 'Not a valid code.' }],
        });
      }
      return problem(401);
    });
    renderSignIn();
    const user = await submitPassword();

    await user.click(await screen.findByRole('button', { name: 'No phone at hand? Use a recovery code' }));
    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-ijkl-mnop');
    await user.click(screen.getByRole('button', { name: 'Continue' }));

    expect(await screen.findByText('Not a valid code.')).toBeTruthy();
    expect((await screen.findByRole('alert')).textContent).toContain('Codes change every 30 seconds');
    expect(sent).toEqual([{ challenge: 'the-challenge', code: 'abcd-efgh-ijkl-mnop' }]);
  });

  it('sets up an authenticator for a role that must have one, then shows the recovery codes once', async () => {
    stubFetch(async (request) => {
      switch (pathOf(request)) {
        case '/api/v1/auth/token':
          return challengeProblem('second-factor-enrolment-required');
        case '/api/v1/auth/sign-in/totp-enrolment':
          return json(200, {
            secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
            otpauth_uri: 'otpauth://totp/Haven:ada%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Haven',
          });
        case '/api/v1/auth/sign-in/totp-enrolment/confirm':
          return json(200, { ...tokens('access'), recovery_codes: ['aaaa-bbbb-cccc-dddd', 'eeee-ffff-gggg-hhhh'] });
        case '/api/v1/me':
          return json(200, makeMe({ roles: ['safety_officer'] }));
        default:
          return problem(401);
      }
    });
    renderSignIn();
    const user = await submitPassword();

    expect(await screen.findByRole('heading', { name: 'Set up an authenticator' })).toBeTruthy();
    const qr = await screen.findByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(screen.getByLabelText('Key for your authenticator app').textContent).toBe(
      'JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP',
    );
    await user.type(screen.getByLabelText('Code from the app'), '654321');
    await user.click(screen.getByRole('button', { name: 'Confirm and sign in' }));

    const list = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(list.textContent).toContain('aaaa-bbbb-cccc-dddd');
    // Not signed in until the person has seen (and saved) the codes.
    expect(screen.queryByText(/Now at/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'I have saved them: continue' }));
    expect(await screen.findByText('Now at /profile')).toBeTruthy();
  });
});
