import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it } from 'vitest';
import { acceptTokens } from '../../api/client';
import type { AnonymousReportView, Message } from '../../api/types';
import { json, pathOf, problem, stubFetch, tokens } from '../../test/http';
import FollowReportPage from './FollowReportPage';

const RECEIPT = 'ABCD-EFGH-JKMN-PQRS-TVWX';
const SESSION_TOKEN = 'report-session-token';

const VIEW: AnonymousReportView = {
  kind: 'near_miss',
  category: 'medication',
  occurred_on: '2025-01-02',
  description: 'Two look-alike vials side by side',
  status: 'not_actionable',
  submitted_on: '2025-01-02',
  outcome_summary: null,
  not_actionable_reason: 'The vials were already moved apart last week.',
  lessons: [],
};

const MESSAGE: Message = {
  id: 'm1',
  seq: 1,
  author: 'safety_team',
  author_name: 'Dr Maria Santos',
  body: 'Thank you for telling us.',
  created_on: '2025-01-03',
  created_at: '2025-01-03T10:00:00Z',
};

interface Seen {
  url: string;
  authorization: string | null;
  credentials: RequestCredentials;
  body: string;
}

function backend() {
  const seen: Seen[] = [];
  stubFetch(async (request) => {
    seen.push({
      url: request.url,
      authorization: request.headers.get('Authorization'),
      credentials: request.credentials,
      body: request.method === 'POST' ? await request.clone().text() : '',
    });
    const path = pathOf(request);
    if (path === '/api/v1/anonymous/session') {
      const { receipt } = (await request.json()) as { receipt: string };
      if (receipt !== RECEIPT) return problem(401, { title: 'Receipt not recognised', detail: 'That receipt does not match a report.' });
      return json(200, { access_token: SESSION_TOKEN, token_type: 'bearer', expires_in: 1800, report_id: 'r1' });
    }
    if (request.headers.get('Authorization') !== `Bearer ${SESSION_TOKEN}`) return problem(401);
    if (path === '/api/v1/anonymous/report') return json(200, VIEW);
    if (path === '/api/v1/anonymous/report/messages') return json(200, [MESSAGE]);
    return problem(404);
  });
  return seen;
}

function renderPage() {
  return render(
    <MemoryRouter initialEntries={['/follow-report']}>
      <FollowReportPage />
    </MemoryRouter>,
  );
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});

describe('FollowReportPage', () => {
  it('opens the report with the receipt in the body and the session token, never the app’s sign-in', async () => {
    // Someone is signed in in this tab: their token must not go with these calls.
    acceptTokens(tokens('staff-access-token'));
    const seen = backend();
    const user = userEvent.setup();
    renderPage();

    await user.type(screen.getByLabelText('Receipt code'), RECEIPT);
    await user.click(screen.getByRole('button', { name: 'Open my report' }));

    expect(await screen.findByRole('heading', { name: 'Your anonymous report' })).toBeTruthy();
    expect(screen.getByText('The vials were already moved apart last week.')).toBeTruthy();
    expect(await screen.findByText('Thank you for telling us.')).toBeTruthy();
    expect(seen.every((s) => !s.url.includes(RECEIPT) && s.credentials === 'omit')).toBe(true);
    expect(seen.some((s) => s.authorization?.includes('staff-access-token'))).toBe(false);
    expect(seen[0]).toMatchObject({ authorization: null, body: JSON.stringify({ receipt: RECEIPT }) });
    expect(seen.slice(1).every((s) => s.authorization === `Bearer ${SESSION_TOKEN}`)).toBe(true);
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });

  it('says plainly when a receipt does not match', async () => {
    backend();
    const user = userEvent.setup();
    renderPage();

    await user.type(screen.getByLabelText('Receipt code'), 'WRONG-WRONG-WRONG');
    await user.click(screen.getByRole('button', { name: 'Open my report' }));

    expect((await screen.findByRole('alert')).textContent).toContain('That receipt does not match a report.');
  });

  it('forgets the report and the receipt when closed', async () => {
    backend();
    const user = userEvent.setup();
    renderPage();
    await user.type(screen.getByLabelText('Receipt code'), RECEIPT);
    await user.click(screen.getByRole('button', { name: 'Open my report' }));
    await screen.findByRole('heading', { name: 'Your anonymous report' });

    await user.click(screen.getByRole('button', { name: 'Close this report' }));

    expect(screen.getByRole('heading', { name: 'Follow an anonymous report' })).toBeTruthy();
    expect((screen.getByLabelText('Receipt code') as HTMLInputElement).value).toBe('');
    expect(screen.queryByText(VIEW.description)).toBeNull();
    expect(localStorage.length + sessionStorage.length).toBe(0);
  });
});
