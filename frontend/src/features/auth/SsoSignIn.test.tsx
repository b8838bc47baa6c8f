import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { SignInMethods } from '../../api/types';
import { HOME_PATH } from '../../app/paths';
import { json, pathOf, problem, stubFetch } from '../../test/http';
import { AuthProvider } from './AuthProvider';
import { SignInPage } from './SignInPage';

const SSO: SignInMethods = {
  password: true,
  sso: { name: 'St Elsewhere', start_url: '/api/v1/auth/oidc/start' },
};

function renderSignIn(methods: SignInMethods, entry: { pathname?: string; search?: string; state?: unknown } = {}) {
  stubFetch((request) =>
    pathOf(request) === '/api/v1/auth/methods' ? json(200, methods) : problem(401),
  );
  return render(
    <AuthProvider>
      <MemoryRouter initialEntries={[{ pathname: '/sign-in', ...entry }]}>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

describe('SignInPage with single sign-on', () => {
  it('offers the organisation’s sign-in, returning to the page asked for, beside the password form', async () => {
    renderSignIn(SSO, { state: { from: { pathname: '/reports', search: '?mine=1', hash: '' } } });

    const link = await screen.findByRole('link', { name: 'Sign in with St Elsewhere' });

    expect(link.getAttribute('href')).toBe('/api/v1/auth/oidc/start?return_to=%2Freports%3Fmine%3D1');
    expect(screen.getByLabelText('Email')).toBeTruthy();
    expect(screen.getByText('or with your Haven password')).toBeTruthy();
  });

  it('returns to the home page when no page was asked for', async () => {
    renderSignIn(SSO);
    const link = await screen.findByRole('link', { name: 'Sign in with St Elsewhere' });
    expect(link.getAttribute('href')).toBe(
      `/api/v1/auth/oidc/start?${new URLSearchParams({ return_to: HOME_PATH }).toString()}`,
    );
  });

  it('shows no password form when passwords are switched off', async () => {
    renderSignIn({ ...SSO, password: false });

    await screen.findByRole('link', { name: 'Sign in with St Elsewhere' });

    expect(screen.queryByLabelText('Email')).toBeNull();
    expect(screen.queryByLabelText('Password')).toBeNull();
    expect(screen.queryByText('or with your Haven password')).toBeNull();
  });

  it('offers only the password form when single sign-on is not configured', async () => {
    renderSignIn({ password: true, sso: null });

    await screen.findByLabelText('Email');

    expect(screen.queryByRole('link', { name: /Sign in with/ })).toBeNull();
  });

  it('says in plain words why a single sign-on came back without a session', async () => {
    renderSignIn(SSO, { search: '?sso_error=sso-no-role' });

    const alert = await screen.findByRole('alert');

    expect(alert.textContent).toBe(
      'Your organisation’s directory does not give you access to Haven yet. Ask your administrator to add you.',
    );
    expect(screen.getByRole('link', { name: 'Sign in with St Elsewhere' })).toBeTruthy();
  });

  it('never shows text from the address, only its own words', async () => {
    renderSignIn(SSO, { search: '?sso_error=%3Cb%3EYour+account+was+hacked%3C%2Fb%3E' });

    const alert = await screen.findByRole('alert');

    expect(alert.textContent).toBe('Signing in with your organisation did not work. Please try again.');
    expect(document.body.textContent).not.toContain('hacked');
  });
});
