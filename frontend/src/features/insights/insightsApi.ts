import { api } from '../../api/client';
import { randomId } from '../../api/headers';
import { unwrap } from '../../api/problem';
import type { DepartmentInsights, Hotspots, InsightSignals } from '../../api/types';

export interface InsightQuery {
  weeks: number;
  departmentId?: string | null;
}

function startFor(weeks: number): string {
  // The server clamps to complete weeks; ask for enough Mondays back from today.
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

/** The same suppressed figures as CSV, for a download link. */
export function csvHref(path: 'departments' | 'signals' | 'hotspots', query: Record<string, string>): string {
  const params = new URLSearchParams({ ...query, format: 'csv' });
  return `/api/v1/insights/${path}?${params.toString()}`;
}
