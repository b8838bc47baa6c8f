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

function renderSignIn(state?: unknown) {
  return render(
    <AuthProvider>
      <MemoryRouter initialEntries={[{ pathname: '/sign-in', state }]}>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

async function fillAndSubmit(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInPage', () => {
  it('shows the API error when the credentials are refused', async () => {
    stubFetch((request) =>
      pathOf(request) === '/api/v1/auth/token'
        ? problem(401, { title: 'Unauthorized', detail: 'Incorrect email or password.' })
        : problem(401),
    );
    renderSignIn();

    await fillAndSubmit('sam@example.org', 'wrong password');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Incorrect email or password.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toHaveProperty('disabled', false);
  });

  it('shows a field error next to the field it belongs to', async () => {
    stubFetch((request) =>
      pathOf(request) === '/api/v1/auth/token'
        ? problem(422, {
            detail: 'The request has invalid fields.',
            errors: [{ field: 'username', location: 'body', message: 'Enter a valid email address.' }],
          })
        : problem(401),
    );
    renderSignIn();

    await fillAndSubmit('not-an-email', 'x');

    const email = await screen.findByLabelText('Email');
    await screen.findByText('Enter a valid email address.');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    const describedBy = email.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toBe('Enter a valid email address.');
  });

  it('signs in, keeps nothing in web storage and returns to where the user was', async () => {
    const bodies: string[] = [];
    stubFetch(async (request) => {
      switch (pathOf(request)) {
        case '/api/v1/auth/token':
          bodies.push(await request.text());
          return json(200, tokens('access'));
        case '/api/v1/me':
          return json(200, makeMe({ roles: ['admin'] }));
        default:
          return problem(401);
      }
    });
    renderSignIn({ from: { pathname: '/admin/users', search: '?role=staff', hash: '' } });

    await fillAndSubmit('ada@example.org', 'correct horse');

    expect(await screen.findByText('Now at /admin/users')).toBeTruthy();
    expect(new URLSearchParams(bodies[0]).get('username')).toBe('ada@example.org');
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });
});
