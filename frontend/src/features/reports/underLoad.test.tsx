/**
 * Refused under load: the anonymous report form and the follow-report page answer a 429
 * (too many attempts from this device) and a 503 (Haven is busy) with calm words, and keep
 * what the person typed so that trying again is one click.
 */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetSessionForTests } from '../../api/client';
import { ApiError, retryAfterSeconds, underLoadMessage } from '../../api/problem';
import type { Problem } from '../../api/types';
import { json, makeMe, pathOf, stubFetch } from '../../test/http';
import { AuthContext, type AuthContextValue } from '../auth/AuthContext';
import AnonymousReportPage from './AnonymousReportPage';
import FollowReportPage from './FollowReportPage';

const DEPARTMENT = '00000000-0000-4000-8000-0000000000d1';
const RECEIPT = 'ABCD-EFGH-JKMN-PQRS-TVWX';
const DESCRIPTION = 'A bed rail was left down overnight.';
const BUSY_REPORT = /Haven is busy right now\. Your report is not lost/;
// Filling the five-step form with typed input is slow beside the backend suites on two cores.
const FORM_TIMEOUT_MS = 30_000;

/** A refusal as the server sends it: problem+json with Retry-After. */
function refusal(status: 429 | 503, retryAfter: string): Response {
  const body: Problem = {
    type: status === 429 ? 'urn:haven:problem:too-many-requests' : 'urn:haven:problem:service-unavailable',
    title: status === 429 ? 'Too many requests' : 'Service unavailable',
    status,
    detail: 'The server’s own wording, which these pages replace.',
    instance: null,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', 'Retry-After': retryAfter },
  });
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});

afterEach(() => resetSessionForTests());

describe('underLoadMessage', () => {
  it('turns Retry-After into whole minutes, rounding up', () => {
    const problem = (status: number): Problem => ({ type: 'x', title: 'x', status, detail: null, instance: null });
    expect(underLoadMessage(new ApiError(429, problem(429), 300), 'busy')).toBe(
      'Too many attempts from this device. Try again in 5 minutes.',
    );
    expect(underLoadMessage(new ApiError(429, problem(429), 61), 'busy')).toBe(
      'Too many attempts from this device. Try again in 2 minutes.',
    );
    expect(underLoadMessage(new ApiError(429, problem(429), 20), 'busy')).toBe(
      'Too many attempts from this device. Try again in 1 minute.',
    );
    expect(underLoadMessage(new ApiError(503, problem(503), 2), 'busy')).toBe('busy');
    expect(underLoadMessage(new ApiError(401, problem(401)), 'busy')).toBeNull();
    expect(underLoadMessage(new TypeError('offline'), 'busy')).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('120')).toBe(120);
    const now = Date.parse('2026-12-04T10:00:00Z');
    expect(retryAfterSeconds('Fri, 04 Dec 2026 10:03:00 GMT', now)).toBe(180);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds('soon')).toBeNull();
  });
});

describe('the anonymous report form under load', () => {
  function backend(answers: Response[]) {
    const sent: unknown[] = [];
    stubFetch(async (request) => {
      const path = pathOf(request);
      if (path === '/api/v1/anonymous/form') {
        return json(200, {
          allow_without_account: true,
          departments: [{ id: DEPARTMENT, name: 'Emergency' }],
          subcategories: [],
        });
      }
      if (path === '/api/v1/anonymous/reports') {
        sent.push(await request.json());
        return (
          answers.shift() ??
          json(201, { receipt: RECEIPT, status: 'submitted', submitted_on: '2025-01-02', support: { offered: false, message: null } })
        );
      }
      return json(404, {});
    });
    return sent;
  }

  function renderForm() {
    const me = makeMe({ roles: ['staff'], department_id: DEPARTMENT, department_name: 'Emergency' });
    const auth: AuthContextValue = {
      status: 'authenticated',
      me,
      expired: false,
      signedOut: false,
      signIn: async () => ({ kind: 'signed-in' as const }),
      finishSignIn: async () => {},
      signOut: async () => {},
      reloadMe: async () => {},
      hasRole: (...roles) => roles.some((r) => me.roles.includes(r)),
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
    await user.type(screen.getByLabelText('What happened?'), DESCRIPTION);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.selectOptions(await screen.findByLabelText('Department'), DEPARTMENT);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(await screen.findByRole('radio', { name: /No harm/ }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(await screen.findByRole('button', { name: 'Next' }));
    await user.click(await screen.findByRole('button', { name: 'Send report' }));
    return user;
  }

  async function expectWhatWasTypedIsKept(user: ReturnType<typeof userEvent.setup>) {
    for (let i = 0; i < 4; i++) await user.click(screen.getByRole('button', { name: 'Back' }));
    expect((await screen.findByLabelText('What happened?')).textContent).toBe(DESCRIPTION);
    for (let i = 0; i < 4; i++) await user.click(screen.getByRole('button', { name: 'Next' }));
  }

  it('on 429 says how many minutes to wait and keeps the report', async () => {
    const sent = backend([refusal(429, '300')]);
    renderForm();
    const user = await fillAndSend();

    expect(await screen.findByText('Too many attempts from this device. Try again in 5 minutes.')).toBeTruthy();
    expect(screen.queryByText(/server’s own wording/)).toBeNull();
    expect(sent).toHaveLength(1);
    await expectWhatWasTypedIsKept(user);
    expect(localStorage.length + sessionStorage.length).toBe(0);
  }, FORM_TIMEOUT_MS);

  it('on 503 says Haven is busy and the report is not lost; sending again works', async () => {
    const sent = backend([refusal(503, '2')]);
    renderForm();
    const user = await fillAndSend();

    expect(await screen.findByText(BUSY_REPORT)).toBeTruthy();
    await expectWhatWasTypedIsKept(user);
    await user.click(screen.getByRole('button', { name: 'Send report' }));
    await screen.findByRole('heading', { name: 'Report sent anonymously' });
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
  }, FORM_TIMEOUT_MS);
});

describe('the follow-report page under load', () => {
  function backend(answer: Response) {
    stubFetch(async (request) => (pathOf(request) === '/api/v1/anonymous/session' ? answer : json(404, {})));
  }

  async function enterReceipt() {
    render(
      <MemoryRouter initialEntries={['/follow-report']}>
        <FollowReportPage />
      </MemoryRouter>,
    );
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Receipt code'), RECEIPT);
    await user.click(screen.getByRole('button', { name: 'Open my report' }));
  }

  it('on 429 says how many minutes to wait and keeps the receipt', async () => {
    backend(refusal(429, '600'));
    await enterReceipt();
    expect(await screen.findByText('Too many attempts from this device. Try again in 10 minutes.')).toBeTruthy();
    expect((screen.getByLabelText('Receipt code') as HTMLInputElement).value).toBe(RECEIPT);
  });

  it('on 503 says Haven is busy and keeps the receipt', async () => {
    backend(refusal(503, '2'));
    await enterReceipt();
    expect(await screen.findByText(/Haven is busy right now\. Your report is not lost; try again in a moment\./)).toBeTruthy();
    expect((screen.getByLabelText('Receipt code') as HTMLInputElement).value).toBe(RECEIPT);
  });
});
