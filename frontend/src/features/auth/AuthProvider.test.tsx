import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, makeMe, pathOf, stubFetch, tokens } from '../../test/http';
import { AuthProvider } from './AuthProvider';
import { useAuth } from './useAuth';

function Status() {
  const { status, deferred, restore } = useAuth();
  return (
    <>
      <p>{`${status}${deferred ? ' (deferred)' : ''}`}</p>
      <button type="button" onClick={() => void restore?.()}>
        restore
      </button>
    </>
  );
}

function recording(): string[] {
  const calls: string[] = [];
  stubFetch((request) => {
    calls.push(pathOf(request));
    return pathOf(request) === '/api/v1/auth/refresh' ? json(200, tokens('restored')) : json(200, makeMe());
  });
  return calls;
}

describe('AuthProvider', () => {
  it('restores the session from the refresh cookie when the app opens', async () => {
    const calls = recording();
    render(
      <AuthProvider deferRestore={() => false}>
        <Status />
      </AuthProvider>,
    );
    expect(await screen.findByText('authenticated')).toBeTruthy();
    expect(calls).toEqual(['/api/v1/auth/refresh', '/api/v1/me']);
  });

  it('opened on a quiet page, makes no request until a page needs the session', async () => {
    const calls = recording();
    render(
      <AuthProvider deferRestore={() => true}>
        <Status />
      </AuthProvider>,
    );
    expect(screen.getByText('anonymous (deferred)')).toBeTruthy();
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(calls).toEqual([]);

    act(() => screen.getByRole('button', { name: 'restore' }).click());
    expect(await screen.findByText('authenticated')).toBeTruthy();
    expect(calls).toEqual(['/api/v1/auth/refresh', '/api/v1/me']);
  });
});
