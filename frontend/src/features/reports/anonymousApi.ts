/**
 * Anonymous reporting and following a report by its receipt.
 *
 * These calls go through their own client, not the app's: it sends no cookie and none
 * of the signed-in person's tokens, so nothing in these requests ties them to an account
 * (DESIGN.md, "Anonymous reports"). The receipt travels in a request body only, never a
 * URL; the report session's token is handed back to the caller and kept in memory by the
 * page, never in browser storage.
 */
import createClient from 'openapi-fetch';
import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { paths } from '../../api/schema';
import type {
  AnonymousReportCreate,
  AnonymousReportCreated,
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

/**
 * Send an anonymous report. When the organisation allows it without an account, the
 * request carries nothing of the person signed in here; otherwise the server checks the
 * sign-in and then forgets it (it stores no identity either way).
 */
export async function submitAnonymousReport(
  body: AnonymousReportCreate,
  options: { withoutAccount: boolean },
): Promise<AnonymousReportCreated> {
  const client = options.withoutAccount ? anonymousClient : api;
  return unwrap(await client.POST('/api/v1/anonymous/reports', { body }));
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
