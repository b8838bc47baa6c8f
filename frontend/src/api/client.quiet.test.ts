import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, makeMe, pathOf, stubFetch, tokens } from '../test/http';
import { acceptTokens, api, holdQuiet, isQuiet, refreshSession } from './client';

afterEach(() => {
  vi.useRealTimers();
});

function recording(): string[] {
  const calls: string[] = [];
  stubFetch((request) => {
    calls.push(`${request.method} ${pathOf(request)}`);
    return pathOf(request) === '/api/v1/auth/refresh' ? json(200, tokens('renewed')) : json(200, makeMe());
  });
  return calls;
}

describe('api client in a quiet flow', () => {
  it('lets a refresh that falls due wait until the flow closes', async () => {
    vi.useFakeTimers();
    const calls = recording();
    acceptTokens(tokens('old', 900));
    const release = holdQuiet();

    await vi.advanceTimersByTimeAsync(900_000);
    expect(calls).toEqual([]);

    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['POST /api/v1/auth/refresh']);
  });

  it('sends a call made during the flow only once the flow has closed', async () => {
    const calls = recording();
    acceptTokens(tokens('token-a'));
    const release = holdQuiet();

    const pending = api.GET('/api/v1/me');
    const renewal = refreshSession();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual([]);

    release();
    await Promise.all([pending, renewal]);
    expect(calls.sort()).toEqual(['GET /api/v1/me', 'POST /api/v1/auth/refresh']);
  });

  it('stays quiet until the last of several holds is released, each counted once', async () => {
    recording();
    const first = holdQuiet();
    const second = holdQuiet();
    first();
    first();
    expect(isQuiet()).toBe(true);
    second();
    expect(isQuiet()).toBe(false);
  });
});
