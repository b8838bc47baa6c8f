import { vi } from 'vitest';
import type { Me, Problem, TokenResponse } from '../api/types';

export type Handler = (request: Request) => Response | Promise<Response>;

/** Replace globalThis.fetch; every call the app makes arrives as a Request. */
export function stubFetch(handler: Handler) {
  const mock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) =>
    handler(input instanceof Request ? input : new Request(input, init)),
  );
  vi.stubGlobal('fetch', mock);
  return mock;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function problem(status: number, fields: Partial<Problem> = {}): Response {
  const body: Problem = { type: 'about:blank', title: 'Error', status, detail: null, instance: null, ...fields };
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json' } });
}

export function tokens(accessToken: string, expiresIn = 900): TokenResponse {
  return { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn, refresh_token: 'opaque' };
}

export function pathOf(request: Request): string {
  return new URL(request.url).pathname;
}

export function makeMe(overrides: Partial<Me> = {}): Me {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    email: 'sam.staff@example.org',
    display_name: 'Sam Staff',
    roles: ['staff'],
    department_id: null,
    department_name: null,
    profession: 'nurse',
    is_active: true,
    ...overrides,
  };
}
