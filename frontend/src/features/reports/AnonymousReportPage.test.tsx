import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { acceptTokens, isQuiet } from '../../api/client';
import type { Me } from '../../api/types';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../../test/http';
import { AuthContext, type AuthContextValue } from '../auth/AuthContext';
import AnonymousReportPage from './AnonymousReportPage';

const DEPARTMENT = '00000000-0000-4000-8000-0000000000d1';
const ME: Me = makeMe({ roles: ['staff'], department_id: DEPARTMENT, department_name: 'Emergency' });
const RECEIPT = 'ABCD-EFGH-JKMN-PQRS-TVWX';

interface Seen {
  path: string;
  authorization: string | null;
  credentials: RequestCredentials;
}

function backend(allowWithoutAccount = true) {
  const seen: Seen[] = [];
  stubFetch((request) => {
    const path = pathOf(request);
    const authorization = request.headers.get('Authorization');
    seen.push({ path, authorization, credentials: request.credentials });
    if (path === '/api/v1/anonymous/form') {
      if (!allowWithoutAccount && authorization === null) return problem(401);
      return json(200, {
        allow_without_account: allowWithoutAccount,
        departments: [{ id: DEPARTMENT, name: 'Emergency' }],
        subcategories: [{ category: 'fall', name: 'From bed' }],
      });
    }
    if (path === '/api/v1/anonymous/reports') {
      return json(201, {
        receipt: RECEIPT,
        status: 'submitted',
        submitted_on: '2025-01-02',
        support: { offered: false, message: null },
      });
    }
    return problem(404);
  });
  return seen;
}

function renderPage() {
  const auth: AuthContextValue = {
    status: 'authenticated',
    me: ME,
    expired: false,
    signedOut: false,
    signIn: async () => ({ kind: 'signed-in' as const }),
    finishSignIn: async () => {},
    signOut: async () => {},
    reloadMe: async () => {},
    hasRole: (...roles) => roles.some((r) => ME.roles.includes(r)),
  };
  return render(
    <AuthContext.Provider value={auth}>
      <MemoryRouter initialEntries={['/report-anonymously']}>
        <Routes>
          <Route path="/report-anonymously" element={<AnonymousReportPage />} />
        </Routes>
      </MemoryRouter>
    </AuthContext.Provider>,
  );
}

async function fillAndSend() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('radio', { name: /Near miss/ }));
  await user.selectOptions(screen.getByLabelText('Category'), 'fall');
  await user.selectOptions(screen.getByLabelText('Subcategory (optional)'), 'From bed');
  await user.type(screen.getByLabelText('What happened?'), 'Rail left down.');
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await user.selectOptions(await screen.findByLabelText('Department'), DEPARTMENT);
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await user.click(await screen.findByRole('radio', { name: /No harm/ }));
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await user.click(await screen.findByRole('button', { name: 'Next' }));
  expect(await screen.findByRole('heading', { name: /Check and send/ })).toBeTruthy();
  expect(screen.queryByRole('radio', { name: 'Named' })).toBeNull();
  await user.click(screen.getByRole('button', { name: 'Send report' }));
  await screen.findByRole('heading', { name: 'Report sent anonymously' });
}

// Each test clicks through the whole wizard: a generous timeout, for a machine busy with other suites.
describe('AnonymousReportPage', () => {
  it('signed in, makes no signed-in request from opening the form to the receipt', async () => {
    acceptTokens(tokens('access-now'));
    const seen = backend(true);
    renderPage();
    expect(isQuiet()).toBe(true);

    await fillAndSend();

    expect(seen.map((s) => s.path)).toEqual(['/api/v1/anonymous/form', '/api/v1/anonymous/reports']);
    for (const request of seen) expect(request).toMatchObject({ authorization: null, credentials: 'omit' });
    expect((screen.getByLabelText('Receipt code') as HTMLInputElement).value).toBe(RECEIPT);
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(isQuiet()).toBe(true);
  }, 20_000);

  it('shows the current sign-in, unrenewed, where the organisation requires an account', async () => {
    acceptTokens(tokens('access-now'));
    const seen = backend(false);
    renderPage();

    await fillAndSend();

    expect(seen.map((s) => [s.path, s.authorization])).toEqual([
      ['/api/v1/anonymous/form', null],
      ['/api/v1/anonymous/form', 'Bearer access-now'],
      ['/api/v1/anonymous/reports', 'Bearer access-now'],
    ]);
    for (const request of seen) expect(request.credentials).toBe('omit');
  }, 20_000);
});
