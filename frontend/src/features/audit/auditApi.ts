import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { AuditEvent, AuditVerification, Page } from '../../api/types';

export async function listAuditEvents(cursor: string | null): Promise<Page<AuditEvent>> {
  return unwrap(await api.GET('/api/v1/audit', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }));
}

/** Checks every link with the audit key and the chain against its anchors (may take a while). */
export async function verifyAuditLog(): Promise<AuditVerification> {
  return unwrap(await api.GET('/api/v1/audit/verify'));
}
