import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditVerification } from '../../api/types';
import { json, pathOf, problem, stubFetch } from '../../test/http';
import AuditPage from './AuditPage';

const INTACT: AuditVerification = {
  ok: true,
  checked: 42,
  first_broken_seq: null,
  reason: null,
  chain_ok: true,
  anchors_ok: true,
  anchors_checked: 7,
  last_anchor_seq: 40,
  last_anchor_at: '2026-12-04T09:00:00Z',
  unanchored_rows: 2,
  anchor_reason: null,
};

const TRUNCATED: AuditVerification = {
  ...INTACT,
  ok: false,
  checked: 30,
  first_broken_seq: 31,
  reason:
    'the anchor of 2026-12-04T09:00:00+00:00 says the chain reached row 40, but it ends at row 30: rows were removed from its end, or it was wiped and started again',
  anchors_ok: false,
  anchors_checked: 6,
  unanchored_rows: 0,
  anchor_reason:
    'the anchor of 2026-12-04T09:00:00+00:00 says the chain reached row 40, but it ends at row 30: rows were removed from its end, or it was wiped and started again',
};

const EVENT: AuditEvent = {
  seq: 42,
  id: '00000000-0000-4000-8000-0000000000aa',
  occurred_at: '2026-12-04T09:05:00Z',
  actor_type: 'user',
  actor_id: '00000000-0000-4000-8000-000000000001',
  action: 'department.created',
  object_type: 'department',
  object_id: '00000000-0000-4000-8000-0000000000bb',
  request_id: 'req-1',
  detail: null,
  prev_hash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};

function serve(verifications: AuditVerification[]) {
  let calls = 0;
  return stubFetch((request) => {
    if (pathOf(request) === '/api/v1/audit/verify') {
      const answer = verifications[Math.min(calls, verifications.length - 1)];
      calls += 1;
      return json(200, answer);
    }
    return json(200, { items: [EVENT], next_cursor: null });
  });
}

describe('AuditPage', () => {
  it('shows an intact chain with its anchors and the rows no anchor covers yet', async () => {
    serve([INTACT]);
    render(<AuditPage />);
    expect(await screen.findByText(/The audit log is intact: 42 rows checked with the audit key/)).toBeTruthy();
    const facts = await screen.findByLabelText('Verification details');
    expect(within(facts).getByText(/7 checked; every one is signed and agrees with the chain/)).toBeTruthy();
    expect(within(facts).getByText(/Row 40, written/)).toBeTruthy();
    expect(within(facts).getByText(/^2 \(not yet protected by an anchor/)).toBeTruthy();
    expect(await screen.findByRole('cell', { name: 'department.created' })).toBeTruthy();
  });

  it('says plainly when the anchors show rows were removed, and verifies again on request', async () => {
    serve([TRUNCATED, INTACT]);
    render(<AuditPage />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The audit log fails verification.');
    expect(alert.textContent).toContain('ends at row 30');
    expect(alert.textContent).toContain('Rows from 31 on cannot be trusted as recorded.');
    const facts = screen.getByLabelText('Verification details');
    expect(within(facts).getByText(/Do not agree with the chain: the anchor of/)).toBeTruthy();
    expect(within(facts).getAllByText('Broken')).toHaveLength(1); // the chain itself checks out
    await userEvent.click(screen.getByRole('button', { name: 'Verify again' }));
    expect(await screen.findByText(/The audit log is intact/)).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says when no anchor has been written yet', async () => {
    serve([{ ...INTACT, anchors_checked: 0, last_anchor_seq: null, last_anchor_at: null, unanchored_rows: 42 }]);
    render(<AuditPage />);
    const facts = await screen.findByLabelText('Verification details');
    expect(within(facts).getByText(/No anchor has been written yet/)).toBeTruthy();
    expect(within(facts).getByText('None yet')).toBeTruthy();
  });

  it('shows the problem when verification cannot be run', async () => {
    stubFetch((request) =>
      pathOf(request) === '/api/v1/audit/verify'
        ? problem(403, { title: 'Forbidden', detail: 'Only an auditor may do this.' })
        : json(200, { items: [], next_cursor: null }),
    );
    render(<AuditPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('Only an auditor may do this.');
  });
});
