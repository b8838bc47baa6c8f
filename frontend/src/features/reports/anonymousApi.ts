/**
 * Anonymous reporting and following a report by its receipt.
 *
 * These calls go through their own client, not the app's: it sends no cookie and none
 * of the signed-in person's tokens, so nothing in these requests ties them to an account
 * (DESIGN.md, "Anonymous reports"). The receipt travels in a request body only, never a
 * URL; the report session's token is handed back to the caller and kept in memory by the
 * page, never in browser storage. The server logs none of these requests, and the pages
 * that make them hold the app's own client quiet meanwhile (useQuietFlow): no refresh, no
 * background call of the signed-in person lands beside them in the logs.
 *
 * The one exception: where the organisation takes anonymous reports from signed-in people
 * only, the form and the submission carry the person's current access token, as it is
 * (never renewed here: a renewal is logged and stored). The server checks it and forgets it.
 */
import createClient from 'openapi-fetch';
import { currentAccessToken } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { paths } from '../../api/schema';
import type {
  AnonymousReportCreate,
  AnonymousReportCreated,
  AnonymousReportForm,
  AnonymousReportView,
  Message,
  ReportSession,
} from '../../api/types';

function origin(): string {
  return globalThis.location?.origin && globalThis.location.origin !== 'null'
    ? globalThis.location.origin
    : 'http://localhost';
}

const anonymousClient = createClient<paths>({
  baseUrl: origin(),
  credentials: 'omit',
  cache: 'no-store',
  referrerPolicy: 'no-referrer',
  // Resolved at call time so test stubs of globalThis.fetch are seen.
  fetch: (request: Request) => globalThis.fetch(request),
});

/** The sign-in proof for an organisation that requires one: the token as it is, or nothing. */
function signedInProof(): Record<string, string> {
  const token = currentAccessToken();
  return token === null ? {} : { Authorization: `Bearer ${token}` };
}

/**
 * What the form offers (departments, subcategories, whether an account is needed), from the
 * quiet anonymous path. Asked without any sign-in first; only an organisation that requires
 * one answers 401, and is then asked with the person's current token.
 */
export async function getAnonymousForm(): Promise<AnonymousReportForm> {
  const first = await anonymousClient.GET('/api/v1/anonymous/form');
  if (first.response.status !== 401 || currentAccessToken() === null) return unwrap(first);
  return unwrap(await anonymousClient.GET('/api/v1/anonymous/form', { headers: signedInProof() }));
}

/**
 * Send an anonymous report. When the organisation allows it without an account, the
 * request carries nothing of the person signed in here; otherwise it carries their current
 * access token, which the server checks and then forgets (it stores no identity either way).
 */
export async function submitAnonymousReport(
  body: AnonymousReportCreate,
  options: { withoutAccount: boolean },
): Promise<AnonymousReportCreated> {
  const headers = options.withoutAccount ? {} : signedInProof();
  return unwrap(await anonymousClient.POST('/api/v1/anonymous/reports', { body, headers }));
}

export async function openReportSession(receipt: string): Promise<ReportSession> {
  return unwrap(await anonymousClient.POST('/api/v1/anonymous/session', { body: { receipt } }));
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export async function readAnonymousReport(token: string): Promise<AnonymousReportView> {
  return unwrap(await anonymousClient.GET('/api/v1/anonymous/report', { headers: bearer(token) }));
}

export async function listAnonymousMessages(token: string): Promise<Message[]> {
  return unwrap(await anonymousClient.GET('/api/v1/anonymous/report/messages', { headers: bearer(token) }));
}

export async function postAnonymousMessage(token: string, body: string): Promise<Message> {
  return unwrap(
    await anonymousClient.POST('/api/v1/anonymous/report/messages', { headers: bearer(token), body: { body } }),
  );
}
