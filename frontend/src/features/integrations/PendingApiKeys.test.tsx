import { render, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ApiKey } from '../../api/types';
import { useKeysetList } from '../../hooks/useKeysetList';
import { json, pathOf, problem, stubFetch } from '../../test/http';
import { listPendingApiKeys } from './apiKeysApi';
import { keyNeedsSecondAdmin, keyStatusLabel } from './keyRules';
import { PendingApiKeys } from './PendingApiKeys';

/** A button's name: jsdom drops the space before the visually hidden part a browser reads. */
function action(verb: string, what: string): RegExp {
  return new RegExp(`^${verb}\\s?${what}$`);
}

const ME = '00000000-0000-4000-8000-0000000000a1';
const OTHER_ADMIN = '00000000-0000-4000-8000-0000000000a2';

function key(overrides: Partial<ApiKey>): ApiKey {
  return {
    id: '00000000-0000-4000-8000-0000000000k1',
    name: 'Incident export',
    scopes: ['reports:read'],
    prefix: 'hvn_AbCd1234',
    status: 'pending',
    created_by_id: OTHER_ADMIN,
    created_by_name: 'Alex Admin',
    created_at: '2026-12-04T10:00:00Z',
    expires_at: '2026-12-11T10:00:00Z',
    decided_by_id: null,
    decided_at: null,
    last_used_at: null,
    revoked_at: null,
    version: 2,
    ...overrides,
  };
}

async function renderWith(keys: ApiKey[], onDecided = vi.fn()) {
  const decisions: { path: string; ifMatch: string | null }[] = [];
  const listed: string[] = [];
  stubFetch((request) => {
    const path = pathOf(request);
    if (path === '/api/v1/api-keys') {
      listed.push(new URL(request.url).searchParams.get('status') ?? '');
      return json(200, { items: keys, next_cursor: null });
    }
    if (path.startsWith('/api/v1/api-keys/') && request.method === 'POST') {
      decisions.push({ path, ifMatch: request.headers.get('If-Match') });
      if (path.endsWith('/confirm')) {
        return problem(409, {
          title: 'Conflict',
          detail: 'The administrator who created this key no longer holds the role: reject it.',
        });
      }
      return json(200, { ...keys[0], status: 'cancelled' });
    }
    return problem(404);
  });
  const list = renderHook(() => useKeysetList<ApiKey>(listPendingApiKeys));
  await waitFor(() => expect(list.result.current.loading).toBe(false));
  render(<PendingApiKeys keys={list.result.current} meId={ME} onDecided={onDecided} />);
  return { decisions, listed, onDecided };
}

describe('PendingApiKeys', () => {
  it('lists only pending keys and offers another administrator confirm and reject, never cancel', async () => {
    const { listed } = await renderWith([key({})]);
    expect(listed).toEqual(['pending']);
    const card = screen.getByRole('list', { name: 'API keys waiting for confirmation' });
    expect(within(card).getByRole('heading', { name: 'API key Incident export' })).toBeTruthy();
    expect(within(card).getByRole('list', { name: 'Scopes of Incident export waiting for confirmation' }).textContent).toBe(
      'reports:read',
    );
    expect(screen.getByText(/Created by Alex Admin/)).toBeTruthy();
    expect(screen.getByRole('button', { name: action('Confirm', 'API key Incident export') })).toBeTruthy();
    expect(screen.getByRole('button', { name: action('Reject', 'API key Incident export') })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Cancel/ })).toBeNull();
  });

  it('lets the creator only cancel, with the key version as If-Match', async () => {
    const { decisions, onDecided } = await renderWith([key({ created_by_id: ME })]);
    expect(screen.queryByRole('button', { name: /^Confirm/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Reject/ })).toBeNull();
    expect(screen.getByText('You created this key: another administrator confirms it.')).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: action('Cancel', 'API key Incident export') }));
    await waitFor(() => expect(onDecided).toHaveBeenCalledWith('Withdrawn: API key Incident export (reports:read).'));
    expect(decisions).toEqual([
      { path: '/api/v1/api-keys/00000000-0000-4000-8000-0000000000k1/cancel', ifMatch: '"2"' },
    ]);
  });

  it('shows why a confirmation was refused', async () => {
    const { onDecided } = await renderWith([key({})]);
    await userEvent.setup().click(screen.getByRole('button', { name: action('Confirm', 'API key Incident export') }));
    expect(await screen.findByText(/no longer holds the role: reject it\./)).toBeTruthy();
    expect(onDecided).not.toHaveBeenCalled();
  });

  it('shows nothing when no key waits', async () => {
    const none = async () => ({ items: [], next_cursor: null });
    const list = renderHook(() => useKeysetList<ApiKey>(none));
    await waitFor(() => expect(list.result.current.loading).toBe(false));
    const { container } = render(<PendingApiKeys keys={list.result.current} meId={ME} onDecided={vi.fn()} />);
    expect(container.innerHTML).toBe('');
  });
});

describe('keyRules', () => {
  it('says which scopes wait for a second administrator', () => {
    expect(keyNeedsSecondAdmin(['reports:read'])).toBe(true);
    expect(keyNeedsSecondAdmin(['fhir:read', 'staffing:write'])).toBe(true);
    expect(keyNeedsSecondAdmin(['reports:write', 'staffing:write'])).toBe(false);
  });

  it('labels a revoked key revoked, whatever its state', () => {
    expect(keyStatusLabel({ status: 'pending', revoked_at: null })).toBe('Waiting for a second administrator');
    expect(keyStatusLabel({ status: 'pending', revoked_at: '2026-12-04T11:00:00Z' })).toBe('Revoked');
    expect(keyStatusLabel({ status: 'expired', revoked_at: null })).toBe('Expired unconfirmed');
  });
});
