import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { beforeEach, describe, expect, it } from 'vitest';
import { acceptTokens, isQuiet } from '../../api/client';
import type { Me, Organisation } from '../../api/types';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../../test/http';
import { AuthContext, type AuthContextValue } from '../auth/AuthContext';
import { draftKey, emptyDraft, saveDraft, type ReportDraft } from './draft';
import ReportWizardPage from './ReportWizardPage';

const DEPARTMENT = '00000000-0000-4000-8000-0000000000d1';
const ME: Me = makeMe({ roles: ['staff'], department_id: DEPARTMENT, department_name: 'Emergency' });
const RECEIPT = 'ABCD-EFGH-JKMN-PQRS-TVWX';
const DESCRIPTION = 'The insulin pen was in the wrong drawer on the night shift';

function organisation(allowWithoutAccount: boolean): Organisation {
  return { name: 'Test Hospital', time_zone: 'UTC', allow_anonymous_without_account: allowWithoutAccount, version: 1 };
}

/** A draft on its last step, every earlier answer given. */
function readyDraft(overrides: Partial<ReportDraft> = {}): ReportDraft {
  return {
    ...emptyDraft('2025-01-02', DEPARTMENT),
    step: 4,
    kind: 'near_miss',
    category: 'medication',
    description: DESCRIPTION,
    harm: 'none',
    nccMerp: 'B',
    factors: ['environment'],
    ...overrides,
  };
}

interface Sent {
  path: string;
  authorization: string | null;
  credentials: RequestCredentials;
  body: unknown;
}

function backend(options: { allowWithoutAccount?: boolean; anonymousStatus?: number; harm?: 'none' | 'severe' } = {}) {
  const sent: Sent[] = [];
  const fetchMock = stubFetch(async (request) => {
    const path = pathOf(request);
    if (path === '/api/v1/organisation') return json(200, organisation(options.allowWithoutAccount ?? true));
    if (path === '/api/v1/reports/subcategories') return json(200, []);
    if (path === '/api/v1/departments') {
      return json(200, {
        items: [{ id: DEPARTMENT, name: 'Emergency', code: 'ED', is_active: true, version: 1 }],
        next_cursor: null,
      });
    }
    if (request.method === 'POST') {
      sent.push({
        path,
        authorization: request.headers.get('Authorization'),
        credentials: request.credentials,
        body: await request.clone().json(),
      });
    }
    if (path === '/api/v1/anonymous/reports') {
      if (options.anonymousStatus && options.anonymousStatus >= 400) {
        return problem(options.anonymousStatus, { detail: 'The service is busy.' });
      }
      return json(201, {
        receipt: RECEIPT,
        status: 'submitted',
        submitted_on: '2025-01-02',
        support: { offered: options.harm === 'severe', message: options.harm === 'severe' ? 'A peer supporter can talk with you.' : null },
      });
    }
    if (path === '/api/v1/reports') {
      return json(201, {
        id: '00000000-0000-4000-8000-0000000000r1',
        mode: 'named',
        kind: 'incident',
        category: 'fall',
        harm: 'severe',
        occurred_on: '2025-01-02',
        department_id: DEPARTMENT,
        description: DESCRIPTION,
        status: 'submitted',
        submitted_on: '2025-01-02',
        outcome_summary: null,
        lessons: [],
        support: { offered: true, message: 'A peer supporter can talk with you.' },
      });
    }
    return problem(404);
  });
  return { sent, fetchMock };
}

function renderWizard() {
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
      <MemoryRouter initialEntries={['/reports/new']}>
        <Routes>
          <Route path="/reports/new" element={<ReportWizardPage />} />
          <Route path="/lessons" element={<h1>Learning feed</h1>} />
          <Route path="/support" element={<h1>Get support</h1>} />
        </Routes>
      </MemoryRouter>
    </AuthContext.Provider>,
  );
}

/** Everything held in web storage, keys and values, as one string. */
function storageDump(): string {
  const all: string[] = [];
  for (const store of [localStorage, sessionStorage]) {
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i)!;
      all.push(key, store.getItem(key) ?? '');
    }
  }
  return all.join('\n');
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});


describe('ReportWizardPage: the draft', () => {
  it('keeps what is typed in browser storage under the person’s key', async () => {
    backend();
    const user = userEvent.setup();
    renderWizard();

    await user.type(await screen.findByLabelText('What happened?'), 'Wet floor');

    await waitFor(() => expect(localStorage.getItem(draftKey(ME.id))).toContain('Wet floor'));
  });

  it('restores a kept draft at its step, and discards it on request', async () => {
    backend();
    saveDraft(localStorage, ME.id, readyDraft({ step: 1, location: 'Bay 3' }));
    const user = userEvent.setup();
    renderWizard();

    expect(await screen.findByText(/We kept the report you had not sent yet/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: /Step 2 of 5/ })).toBeTruthy();
    expect((screen.getByLabelText('Where exactly? (optional)') as HTMLInputElement).value).toBe('Bay 3');

    await user.click(screen.getByRole('button', { name: 'Discard it and start again' }));

    expect(screen.getByRole('heading', { name: /Step 1 of 5/ })).toBeTruthy();
    await waitFor(() => expect(localStorage.getItem(draftKey(ME.id))).toBeNull());
  });

  it('does not move on while a required answer is missing', async () => {
    backend();
    const user = userEvent.setup();
    renderWizard();

    await user.click(await screen.findByRole('button', { name: 'Next' }));

    expect(screen.getByRole('alert').textContent).toContain('Please answer the highlighted questions.');
    expect(screen.getByText('Choose what kind of event it was.')).toBeTruthy();
    expect(screen.getByRole('heading', { name: /Step 1 of 5/ })).toBeTruthy();
  });

  it('warns when the description looks like a record number or a date of birth', async () => {
    backend();
    const user = userEvent.setup();
    renderWizard();

    await user.type(await screen.findByLabelText('What happened?'), 'Patient MRN 4471923, DOB 12/03/1985, fell');

    expect(await screen.findByText('This may identify a patient.')).toBeTruthy();
    expect(screen.getByText('“MRN 4471923” looks like a medical record number.')).toBeTruthy();
    expect(screen.getByText('“12/03/1985” looks like a date of birth.')).toBeTruthy();
  });
});

describe('ReportWizardPage: sending anonymously', () => {
  it('leaves nothing of the report or its receipt in browser storage', async () => {
    const { sent } = backend({ allowWithoutAccount: true });
    saveDraft(localStorage, ME.id, readyDraft());
    const user = userEvent.setup();
    renderWizard();

    await user.click(await screen.findByRole('radio', { name: 'Anonymous' }));
    await user.click(screen.getByRole('button', { name: 'Send report' }));

    expect(await screen.findByRole('heading', { name: 'Report sent anonymously' })).toBeTruthy();
    expect((screen.getByLabelText('Receipt code') as HTMLInputElement).value).toBe(RECEIPT);
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(storageDump()).not.toContain(RECEIPT);
    expect(storageDump()).not.toContain(DESCRIPTION);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: '/api/v1/anonymous/reports', authorization: null, credentials: 'omit' });
    expect(sent[0]!.body).not.toHaveProperty('mode');
  });

  it('asks for the “I have saved it” confirmation before leaving, and still keeps nothing', async () => {
    backend({ allowWithoutAccount: true });
    saveDraft(localStorage, ME.id, readyDraft());
    const user = userEvent.setup();
    renderWizard();
    await user.click(await screen.findByRole('radio', { name: 'Anonymous' }));
    await user.click(screen.getByRole('button', { name: 'Send report' }));
    await screen.findByRole('heading', { name: 'Report sent anonymously' });

    const done = screen.getByRole('button', { name: 'Done' });
    expect(done).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('checkbox', { name: 'I have saved my receipt somewhere safe' }));
    expect(done).toHaveProperty('disabled', false);
    await user.click(done);

    expect(await screen.findByRole('heading', { name: 'Learning feed' })).toBeTruthy();
    expect(storageDump()).toBe('');
  });

  it('shows the current sign-in, unrenewed and without cookies, when the organisation requires an account', async () => {
    const { sent } = backend({ allowWithoutAccount: false });
    acceptTokens(tokens('access-now'));
    saveDraft(localStorage, ME.id, readyDraft());
    const user = userEvent.setup();
    renderWizard();

    await user.click(await screen.findByRole('radio', { name: 'Anonymous' }));
    expect(await screen.findByText(/asks you to be signed in to report anonymously/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Send report' }));

    await screen.findByRole('heading', { name: 'Report sent anonymously' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      path: '/api/v1/anonymous/reports',
      authorization: 'Bearer access-now',
      credentials: 'omit',
    });
    expect(storageDump()).toBe('');
  });

  it('holds the app’s client quiet from choosing “Anonymous” until the receipt is left', async () => {
    backend({ allowWithoutAccount: true });
    saveDraft(localStorage, ME.id, readyDraft());
    const user = userEvent.setup();
    renderWizard();
    await screen.findByRole('radio', { name: 'Anonymous' });
    expect(isQuiet()).toBe(false);

    await user.click(screen.getByRole('radio', { name: 'Anonymous' }));
    expect(isQuiet()).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Send report' }));
    await screen.findByRole('heading', { name: 'Report sent anonymously' });
    expect(isQuiet()).toBe(true);

    await user.click(screen.getByRole('checkbox', { name: 'I have saved my receipt somewhere safe' }));
    await user.click(screen.getByRole('button', { name: 'Done' }));
    await screen.findByRole('heading', { name: 'Learning feed' });
    expect(isQuiet()).toBe(false);
  });

  it('keeps the draft again when the report could not be sent', async () => {
    backend({ allowWithoutAccount: true, anonymousStatus: 503 });
    saveDraft(localStorage, ME.id, readyDraft());
    const user = userEvent.setup();
    renderWizard();

    await user.click(await screen.findByRole('radio', { name: 'Anonymous' }));
    await user.click(screen.getByRole('button', { name: 'Send report' }));

    // A 503 gets the calm words of api/problem.ts underLoadMessage, not the server's detail.
    expect((await screen.findByRole('alert')).textContent).toContain('Your report is not lost');
    expect(localStorage.getItem(draftKey(ME.id))).toContain(DESCRIPTION);
  });

  it('offers support after a serious event', async () => {
    backend({ allowWithoutAccount: true, harm: 'severe' });
    saveDraft(localStorage, ME.id, readyDraft({ kind: 'incident', category: 'fall', harm: 'severe', nccMerp: '' }));
    const user = userEvent.setup();
    renderWizard();

    await user.click(await screen.findByRole('radio', { name: 'Anonymous' }));
    await user.click(screen.getByRole('button', { name: 'Send report' }));

    expect(await screen.findByText('A peer supporter can talk with you.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Get support' }).getAttribute('href')).toBe('/support');
  });
});

describe('ReportWizardPage: sending with a name', () => {
  it('removes the draft once the report is sent, and offers support after a serious event', async () => {
    const { sent } = backend();
    saveDraft(localStorage, ME.id, readyDraft({ kind: 'incident', category: 'fall', harm: 'severe', nccMerp: '' }));
    const user = userEvent.setup();
    renderWizard();

    await user.click(await screen.findByRole('radio', { name: 'Named' }));
    await user.click(screen.getByRole('button', { name: 'Send report' }));

    expect(await screen.findByRole('heading', { name: 'Report sent' })).toBeTruthy();
    expect(localStorage.getItem(draftKey(ME.id))).toBeNull();
    expect(sent[0]).toMatchObject({ path: '/api/v1/reports', body: { mode: 'named', ncc_merp: null } });
    expect(screen.getByRole('link', { name: 'Get support' }).getAttribute('href')).toBe('/support');
  });
});
