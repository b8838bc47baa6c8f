import { api, authFetch } from '../../api/client';
import { randomId } from '../../api/headers';
import { ApiError, isProblem, unwrap } from '../../api/problem';
import type { DepartmentInsights, Hotspots, InsightSignals } from '../../api/types';

export interface InsightQuery {
  weeks: number;
  departmentId?: string | null;
}

function startFor(weeks: number): string {
  // The server clamps to released weeks; ask for enough Mondays back from today.
  const start = new Date();
  start.setUTCDate(start.getUTCDate() - 7 * weeks);
  return start.toISOString().slice(0, 10);
}

// These endpoints also answer text/csv; without format=csv they answer JSON, so the
// string member of the generated response union cannot occur here.

export async function getDepartmentInsights(query: InsightQuery): Promise<DepartmentInsights> {
  return unwrap<DepartmentInsights | string>(
    await api.GET('/api/v1/insights/departments', {
      params: {
        query: {
          start: startFor(query.weeks),
          ...(query.departmentId ? { department_id: query.departmentId } : {}),
        },
      },
    }),
  ) as DepartmentInsights;
}

export async function getSignals(departmentId: string | null): Promise<InsightSignals> {
  return unwrap<InsightSignals | string>(
    await api.GET('/api/v1/insights/signals', {
      params: { query: departmentId ? { department_id: departmentId } : {} },
    }),
  ) as InsightSignals;
}

export async function getHotspots(): Promise<Hotspots> {
  return unwrap<Hotspots | string>(await api.GET('/api/v1/insights/hotspots')) as Hotspots;
}

export async function alertSupporters(departmentId: string): Promise<number> {
  const result = unwrap(
    await api.POST('/api/v1/insights/hotspots/{department_id}/alert-supporters', {
      params: { path: { department_id: departmentId }, header: { 'Idempotency-Key': randomId() } },
    }),
  );
  return result.notified;
}

/**
 * Download the same suppressed figures as CSV. The access token lives in memory only, so
 * a plain link cannot carry it: fetch with it, then hand the file to the browser.
 */
export async function downloadCsv(
  path: 'departments' | 'signals' | 'hotspots',
  query: Record<string, string>,
  filename: string,
): Promise<void> {
  const params = new URLSearchParams({ ...query, format: 'csv' });
  const response = await authFetch(
    new Request(`${globalThis.location.origin}/api/v1/insights/${path}?${params.toString()}`, {
      headers: { Accept: 'text/csv' },
    }),
  );
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null);
    throw new ApiError(response.status, isProblem(body) ? body : null);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
