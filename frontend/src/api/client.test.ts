import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, makeMe, pathOf, problem, stubFetch, tokens } from '../test/http';
import { acceptTokens, api, hasAccessToken, onSessionChange, refreshSession } from './client';

function log(calls: string[], request: Request): void {
  calls.push(`${request.method} ${pathOf(request)} ${request.headers.get('Authorization') ?? '-'}`);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('api client session handling', () => {
  it('sends the in-memory access token as a bearer token', async () => {
    acceptTokens(tokens('token-a'));
    const fetchMock = stubFetch(() => json(200, makeMe()));
    await api.GET('/api/v1/me');
    const request = fetchMock.mock.calls[0]![0] as Request;
    expect(request.headers.get('Authorization')).toBe('Bearer token-a');
  });

  it('on a 401 refreshes once through the cookie and retries with the new token', async () => {
    acceptTokens(tokens('old'));
    const calls: string[] = [];
    let refreshCredentials: RequestCredentials | undefined;
    stubFetch((request) => {
      log(calls, request);
      if (pathOf(request) === '/api/v1/auth/refresh') {
        refreshCredentials = request.credentials;
        return json(200, tokens('new'));
      }
      return request.headers.get('Authorization') === 'Bearer new' ? json(200, makeMe()) : problem(401);
    });

    const result = await api.GET('/api/v1/me');

    expect(result.data).toEqual(makeMe());
    expect(calls).toEqual(['GET /api/v1/me Bearer old', 'POST /api/v1/auth/refresh -', 'GET /api/v1/me Bearer new']);
    expect(refreshCredentials).toBe('include');
  });

  it('re-sends the original body when it retries a write', async () => {
    acceptTokens(tokens('old'));
    const bodies: string[] = [];
    stubFetch(async (request) => {
      if (pathOf(request) === '/api/v1/auth/refresh') return json(200, tokens('new'));
      bodies.push(await request.text());
      if (request.headers.get('Authorization') !== 'Bearer new') return problem(401);
      return json(201, { id: 'd1', name: 'ICU', code: 'ICU', is_active: true, version: 1, created_at: '' });
    });

    const result = await api.POST('/api/v1/departments', { body: { name: 'ICU', code: 'ICU' } });

    expect(result.response.status).toBe(201);
    expect(bodies).toEqual(['{"name":"ICU","code":"ICU"}', '{"name":"ICU","code":"ICU"}']);
  });

  it('shares one refresh between concurrent calls that get a 401', async () => {
    acceptTokens(tokens('old'));
    let refreshes = 0;
    stubFetch(async (request) => {
      if (pathOf(request) === '/api/v1/auth/refresh') {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return json(200, tokens('new'));
      }
      return request.headers.get('Authorization') === 'Bearer new' ? json(200, makeMe()) : problem(401);
    });

    const results = await Promise.all([api.GET('/api/v1/me'), api.GET('/api/v1/me'), api.GET('/api/v1/me')]);

    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(refreshes).toBe(1);
  });

  it('gives up after one retry and ends the session when the refresh fails', async () => {
    acceptTokens(tokens('old'));
    const events: string[] = [];
    onSessionChange((event) => events.push(event));
    const calls: string[] = [];
    stubFetch((request) => {
      log(calls, request);
      return problem(401, { detail: 'Session expired.' });
    });

    const result = await api.GET('/api/v1/me');

    expect(result.response.status).toBe(401);
    expect(calls).toEqual(['GET /api/v1/me Bearer old', 'POST /api/v1/auth/refresh -']);
    expect(events).toEqual(['expired']);
    expect(hasAccessToken()).toBe(false);
  });

  it('does not refresh when the sign-in call itself answers 401', async () => {
    const calls: string[] = [];
    stubFetch((request) => {
      log(calls, request);
      return problem(401, { detail: 'Incorrect email or password.' });
    });

    const result = await api.POST('/api/v1/auth/token', {
      body: { username: 'a@example.org', password: 'wrong', scope: '' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    });

    expect(result.response.status).toBe(401);
    expect(calls).toEqual(['POST /api/v1/auth/token -']);
  });

  it('refreshes a minute before the access token expires', async () => {
    vi.useFakeTimers();
    const refreshed = vi.fn(() => json(200, tokens('next', 900)));
    stubFetch((request) => (pathOf(request) === '/api/v1/auth/refresh' ? refreshed() : problem(404)));
    acceptTokens(tokens('first', 900));

    await vi.advanceTimersByTimeAsync(839_000);
    expect(refreshed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(refreshed).toHaveBeenCalledTimes(1);
  });

  it('restores a session from the refresh cookie', async () => {
    stubFetch((request) => (pathOf(request) === '/api/v1/auth/refresh' ? json(200, tokens('restored')) : problem(404)));
    expect(hasAccessToken()).toBe(false);
    await expect(refreshSession()).resolves.toBe(true);
    expect(hasAccessToken()).toBe(true);
  });
});
