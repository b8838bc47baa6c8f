import { File as NodeFile } from 'node:buffer';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { acceptTokens } from '../../api/client';
import type { PeopleImport } from '../../api/types';
import { AuthContext, type AuthContextValue } from '../auth/AuthContext';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../../test/http';
import ImportPeoplePage from './ImportPeoplePage';

const ADMIN = makeMe({ id: '00000000-0000-4000-8000-00000000000a', roles: ['admin'], display_name: 'Ada Admin' });
const IMPORT_ID = '00000000-0000-4000-8000-0000000000f1';

function job(overrides: Partial<PeopleImport> = {}): PeopleImport {
  return {
    id: IMPORT_ID,
    file_name: 'staff.csv',
    status: 'running',
    source: 'web',
    created_by_id: ADMIN.id,
    total_rows: 250,
    processed_rows: 0,
    created_count: 0,
    updated_count: 0,
    unchanged_count: 0,
    failed_count: 0,
    created_at: '2026-12-04T08:00:00Z',
    finished_at: null,
    version: 1,
    ...overrides,
  };
}

function renderPage(path = '/admin/users/import') {
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
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/admin/users/import" element={<ImportPeoplePage />} />
          <Route path="/admin/users/import/:importId" element={<ImportPeoplePage />} />
        </Routes>
      </MemoryRouter>
    </AuthContext.Provider>,
  );
}

describe('ImportPeoplePage: an administrator imports a CSV file of people', () => {
  it('uploads the file, works through it batch by batch, and lists the rows it refused', async () => {
    const uploaded: string[] = [];
    let continued = 0;
    stubFetch(async (request) => {
      const path = pathOf(request);
      if (path === '/api/v1/people-imports' && request.method === 'POST') {
        uploaded.push(await request.text());
        return json(201, job());
      }
      if (path === `/api/v1/people-imports/${IMPORT_ID}`) return json(200, job());
      if (path === `/api/v1/people-imports/${IMPORT_ID}/continue`) {
        continued += 1;
        return continued === 1
          ? json(200, job({ processed_rows: 100, created_count: 100 }))
          : json(
              200,
              job({
                status: 'done',
                processed_rows: 250,
                created_count: 180,
                updated_count: 60,
                unchanged_count: 8,
                failed_count: 2,
                finished_at: '2026-12-04T08:01:00Z',
              }),
            );
      }
      if (path === `/api/v1/people-imports/${IMPORT_ID}/rows`) {
        expect(new URL(request.url).searchParams.get('outcome')).toBe('failed');
        return json(200, {
          items: [
            { row_number: 7, email: 'not-an-address', outcome: 'failed', user_id: null, messages: [{ field: 'email', message: 'Not an email address.' }] },
            { row_number: 12, email: 'lee@example.org', outcome: 'failed', user_id: null, messages: [{ field: 'department_code', message: 'No active department has this code.' }] },
          ],
          next_cursor: null,
        });
      }
      return problem(404);
    });
    // The test's fetch is Node's (undici), which reads only its own FormData and File: give the
    // page those, as a browser's fetch reads the browser's.
    const nodeFormData = (await new Response(new URLSearchParams('a=1')).formData()).constructor;
    vi.stubGlobal('FormData', nodeFormData);
    renderPage();
    const user = userEvent.setup();
    const file = new NodeFile(['email,display_name\nlee@example.org,Lee\n'], 'staff.csv', { type: 'text/csv' }) as unknown as File;
    await user.upload(screen.getByLabelText('CSV file'), file);
    await user.click(screen.getByRole('button', { name: 'Import people' }));

    expect(await screen.findByText('Done: 250 rows read.')).toBeTruthy();
    expect(uploaded).toHaveLength(1);
    expect(uploaded[0]).toContain('name="file"; filename="staff.csv"');
    expect(uploaded[0]).toContain('email,display_name\nlee@example.org,Lee');
    expect(continued).toBe(2);
    const progress = screen.getByLabelText('Progress') as HTMLProgressElement;
    expect([progress.value, progress.max]).toEqual([250, 250]);
    const outcome = screen.getByLabelText('Outcome');
    expect(within(outcome).getByText('Created').nextElementSibling?.textContent).toBe('180');
    expect(within(outcome).getByText('Not imported').nextElementSibling?.textContent).toBe('2');
    const refused = await screen.findByRole('table');
    const rows = within(refused).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toEqual([
      '7not-an-addressemailNot an email address.',
      '12lee@example.orgdepartment_codeNo active department has this code.',
    ]);
  });

  it('shows a refused file next to the file field', async () => {
    stubFetch(() =>
      problem(422, {
        type: 'urn:haven:problem:import-file-refused',
        title: 'The file cannot be imported',
        detail: 'Unknown column(s): colour.',
        errors: [{ field: 'file', location: 'body', message: 'Unknown column(s): colour.' }],
      }),
    );
    renderPage();
    const user = userEvent.setup();
    await user.upload(screen.getByLabelText('CSV file'), new File(['colour\n'], 'bad.csv', { type: 'text/csv' }));
    await user.click(screen.getByRole('button', { name: 'Import people' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Unknown column(s): colour.');
    const field = screen.getByLabelText('CSV file');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(field.getAttribute('aria-describedby')!)?.textContent).toContain('colour');
  });

  it('lets the uploader continue a paused import, and nobody else', async () => {
    let continued = 0;
    stubFetch((request) => {
      const path = pathOf(request);
      if (path === `/api/v1/people-imports/${IMPORT_ID}`) return json(200, job({ processed_rows: 100 }));
      if (path === `/api/v1/people-imports/${IMPORT_ID}/continue`) {
        continued += 1;
        return json(200, job({ status: 'done', processed_rows: 250, created_count: 250, finished_at: '2026-12-04T08:01:00Z' }));
      }
      return problem(404);
    });
    renderPage(`/admin/users/import/${IMPORT_ID}`);
    const user = userEvent.setup();
    expect(await screen.findByText('100 of 250 rows done.')).toBeTruthy();
    expect(continued).toBe(0); // opened later: it waits to be asked
    await user.click(screen.getByRole('button', { name: 'Continue the import' }));
    expect(await screen.findByText('Done: 250 rows read.')).toBeTruthy();
    expect(continued).toBe(1);
  });

  it('tells another administrator that only the uploader continues', async () => {
    stubFetch((request) =>
      pathOf(request) === `/api/v1/people-imports/${IMPORT_ID}`
        ? json(200, job({ created_by_id: '00000000-0000-4000-8000-0000000000bb', processed_rows: 100 }))
        : problem(404),
    );
    renderPage(`/admin/users/import/${IMPORT_ID}`);
    expect(await screen.findByText('Only the administrator who uploaded this file continues its import.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Continue the import' })).toBeNull();
  });
});
