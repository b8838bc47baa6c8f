/**
 * The one HTTP client of the app: openapi-fetch typed by the generated schema,
 * over a fetch wrapper that owns the session.
 *
 * Security model (DESIGN.md, STYLE.md pattern 8): the short-lived access token
 * lives in this module's memory only, never in localStorage/sessionStorage, so a
 * reload or a new tab starts without one. The refresh token lives in an
 * HttpOnly, SameSite=Strict cookie set by the server, which script cannot read;
 * `POST /auth/refresh` with credentials turns it into a new access token (and
 * rotates the cookie). That call restores the session on page load, runs a
 * little before the access token expires, and once after any 401.
 *
 * Quiet flows (reporting anonymously, following a report by receipt): while one is open
 * (`holdQuiet`), this client makes no request at all. A refresh that falls due waits, and so
 * does any call made through `api`, until the flow closes: a signed-in request logged, or a
 * rotated refresh token stored, in the middle of an anonymous report would place the person
 * beside it. The anonymous calls themselves go through their own client (anonymousApi.ts).
 */
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import type { TokenResponse } from './types';

export const AUTH_PREFIX = '/api/v1/auth/';
const REFRESH_PATH = '/api/v1/auth/refresh';
/** Refresh this long before expiry (capped to a fifth of the lifetime for short tokens). */
const REFRESH_LEAD_MS = 60_000;
const REFRESH_LOCK = 'haven-auth-refresh';

export type SessionEvent = 'signed-in' | 'refreshed' | 'expired' | 'signed-out';
type SessionListener = (event: SessionEvent) => void;

let accessToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let refreshInFlight: Promise<boolean> | null = null;
const listeners = new Set<SessionListener>();
let quietHolds = 0;
let refreshDue = false;
let quietEnded: Promise<void> | null = null;
let endQuiet: (() => void) | null = null;

/**
 * Open a quiet flow: until the returned release is called, the app's client sends nothing
 * (refreshes and calls wait). Holds nest; each release counts once.
 */
export function holdQuiet(): () => void {
  if (quietHolds === 0) {
    quietEnded = new Promise<void>((resolve) => {
      endQuiet = resolve;
    });
  }
  quietHolds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    quietHolds -= 1;
    if (quietHolds > 0) return;
    const resolve = endQuiet;
    quietEnded = null;
    endQuiet = null;
    resolve?.();
    if (refreshDue) {
      refreshDue = false;
      void refreshSession();
    }
  };
}

export function isQuiet(): boolean {
  return quietHolds > 0;
}

/** Resolves at once outside a quiet flow, else when the last hold is released. */
function quietDone(): Promise<void> {
  return quietEnded ?? Promise.resolve();
}

/**
 * The access token as it is, never renewed: for the one quiet call that must prove the person
 * is signed in (an anonymous report where the organisation requires an account), which the
 * server checks and forgets. Null when there is none.
 */
export function currentAccessToken(): string | null {
  return accessToken;
}

function origin(): string {
  // openapi-fetch builds `Request`s, which need an absolute URL outside a browser (tests).
  return globalThis.location?.origin && globalThis.location.origin !== 'null'
    ? globalThis.location.origin
    : 'http://localhost';
}

function emit(event: SessionEvent): void {
  for (const listener of [...listeners]) listener(event);
}

function cancelScheduledRefresh(): void {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = null;
}

function scheduleRefresh(expiresInSeconds: number): void {
  cancelScheduledRefresh();
  const lifetimeMs = Math.max(0, expiresInSeconds * 1000);
  const lead = Math.min(REFRESH_LEAD_MS, lifetimeMs / 5);
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    // Inside a quiet flow the refresh waits for it to close (see holdQuiet).
    if (quietHolds > 0) refreshDue = true;
    else void refreshSession();
  }, lifetimeMs - lead);
}

/** Subscribe to session changes; returns the unsubscribe function. */
export function onSessionChange(listener: SessionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** Take a token response (from sign-in or refresh) into memory. The body's refresh_token is ignored on purpose: the cookie carries it. */
export function acceptTokens(tokens: TokenResponse, event: SessionEvent = 'signed-in'): void {
  accessToken = tokens.access_token;
  scheduleRefresh(tokens.expires_in);
  emit(event);
}

/** Forget the session locally (after sign-out, or when it cannot be renewed). */
export function clearSession(event: SessionEvent = 'signed-out'): void {
  const had = accessToken !== null;
  accessToken = null;
  cancelScheduledRefresh();
  if (had || event === 'expired') emit(event);
}

async function requestNewAccessToken(): Promise<TokenResponse | null> {
  try {
    const response = await globalThis.fetch(
      new Request(origin() + REFRESH_PATH, {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: '{}',
      }),
    );
    if (!response.ok) return null;
    return (await response.json()) as TokenResponse;
  } catch {
    return null;
  }
}

async function refreshOnce(): Promise<boolean> {
  while (quietHolds > 0) await quietDone();
  // Refresh tokens rotate: two tabs refreshing with the same cookie at once would
  // present a spent token. A Web Lock serialises tabs; the second then sends the
  // already-rotated cookie.
  const run = () => requestNewAccessToken();
  const locks = globalThis.navigator?.locks;
  const tokens = locks ? await locks.request(REFRESH_LOCK, run) : await run();
  if (tokens === null) {
    clearSession('expired');
    return false;
  }
  acceptTokens(tokens, 'refreshed');
  return true;
}

/**
 * Exchange the refresh cookie for a new access token. Concurrent callers share
 * one request. Resolves false (and emits 'expired') when the session is gone.
 */
export function refreshSession(): Promise<boolean> {
  if (refreshInFlight === null) {
    refreshInFlight = refreshOnce().finally(() => {
      refreshInFlight = null;
    });
  }
  return refreshInFlight;
}

function withAuth(request: Request, token: string | null): Request {
  if (token === null) return request;
  const headers = new Headers(request.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/**
 * fetch with the bearer token; on a 401 from anything but the auth endpoints,
 * refresh once and retry once. When the refresh fails the 401 is returned and
 * the session has emitted 'expired' (the app then sends the user to sign in).
 */
export async function authFetch(request: Request): Promise<Response> {
  // Nothing leaves while a quiet flow is open: the call waits until it closes.
  while (quietHolds > 0) await quietDone();
  const isAuthCall = new URL(request.url).pathname.startsWith(AUTH_PREFIX);
  // The body of a Request can be read only once: keep a copy for the retry.
  const spare = isAuthCall ? null : request.clone();
  const tokenUsed = accessToken;
  const response = await globalThis.fetch(withAuth(request, tokenUsed));
  if (response.status !== 401 || spare === null) return response;

  // Another call may already have renewed the token while this one was in flight.
  const renewed = accessToken !== null && accessToken !== tokenUsed;
  if (!renewed && !(await refreshSession())) return response;
  return globalThis.fetch(withAuth(spare, accessToken));
}

export const api = createClient<paths>({
  baseUrl: origin(),
  credentials: 'include',
  // Resolved at call time so test stubs of globalThis.fetch are seen.
  fetch: (request: Request) => authFetch(request),
});

/** Test hook: reset module state between tests. */
export function resetSessionForTests(): void {
  accessToken = null;
  cancelScheduledRefresh();
  refreshInFlight = null;
  listeners.clear();
  quietHolds = 0;
  refreshDue = false;
  endQuiet?.();
  quietEnded = null;
  endQuiet = null;
}
