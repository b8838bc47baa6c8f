/** Calls to the debriefs and action-items endpoints (types from the generated schema only). */
import { api, authFetch } from '../../api/client';
import { ifMatch } from '../../api/headers';
import { ApiError, isProblem, unwrap } from '../../api/problem';
import type { components } from '../../api/schema';
import type { Page } from '../../api/types';

type Schemas = components['schemas'];

export type Debrief = Schemas['DebriefRead'];
export type DebriefListItem = Schemas['DebriefListItem'];
export type DebriefCreate = Schemas['DebriefCreate'];
export type DebriefUpdate = Schemas['DebriefUpdate'];
export type DebriefKind = Schemas['DebriefKind'];
export type DebriefStatus = Schemas['DebriefStatus'];
export type DebriefRecord = Schemas['DebriefRecordRead'];
export type DebriefRecordWrite = Schemas['DebriefRecordWrite'];
export type Participant = Schemas['ParticipantRead'];
export type TeamMember = Schemas['TeamMember'];
export type DebriefFeedbackCreate = Schemas['DebriefFeedbackCreate'];
export type DebriefFeedbackSummary = Schemas['DebriefFeedbackSummary'];
export type ActionItem = Schemas['ActionItemRead'];
export type ActionItemCreate = Schemas['ActionItemCreate'];
export type ActionItemUpdate = Schemas['ActionItemUpdate'];
export type ActionStatus = Schemas['ActionStatus'];
export type ActionStrength = Schemas['ActionStrength'];
export type ActionCategory = Schemas['ActionCategory'];
export type ActionCategoryInfo = Schemas['ActionCategoryInfo'];
export type OverdueCount = Schemas['OverdueCount'];
export type ContributingFactor = Schemas['ContributingFactor'];
export type ReportSummary = Schemas['ReportRead'];

export const PAGE_SIZE = 50;

export interface DebriefFilters {
  upcoming?: boolean;
  mine?: boolean;
  status?: DebriefStatus | null;
}

export async function listDebriefs(filters: DebriefFilters, cursor: string | null): Promise<Page<DebriefListItem>> {
  return unwrap(
    await api.GET('/api/v1/debriefs', {
      params: {
        query: {
          limit: PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
          ...(filters.upcoming ? { upcoming: true } : {}),
          ...(filters.mine ? { mine: true } : {}),
          ...(filters.status ? { status: filters.status } : {}),
        },
      },
    }),
  );
}

export async function getDebrief(debriefId: string): Promise<Debrief> {
  return unwrap(await api.GET('/api/v1/debriefs/{debrief_id}', { params: { path: { debrief_id: debriefId } } }));
}

export async function createDebrief(body: DebriefCreate, idempotencyKey: string): Promise<Debrief> {
  return unwrap(
    await api.POST('/api/v1/debriefs', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function updateDebrief(debrief: Pick<Debrief, 'id' | 'version'>, body: DebriefUpdate): Promise<Debrief> {
  return unwrap(
    await api.PATCH('/api/v1/debriefs/{debrief_id}', {
      params: { path: { debrief_id: debrief.id }, header: { 'If-Match': ifMatch(debrief.version) } },
      body,
    }),
  );
}

export async function transitionDebrief(
  debrief: Pick<Debrief, 'id' | 'version'>,
  to: DebriefStatus,
  reason?: string,
): Promise<Debrief> {
  return unwrap(
    await api.POST('/api/v1/debriefs/{debrief_id}/transitions', {
      params: { path: { debrief_id: debrief.id }, header: { 'If-Match': ifMatch(debrief.version) } },
      body: { to, ...(reason ? { reason } : {}) },
    }),
  );
}

export async function inviteParticipants(debriefId: string, userIds: string[]): Promise<Participant[]> {
  return unwrap(
    await api.POST('/api/v1/debriefs/{debrief_id}/participants', {
      params: { path: { debrief_id: debriefId } },
      body: { user_ids: userIds },
    }),
  );
}

export async function recordAttendance(
  debriefId: string,
  attended: string[],
  absent: string[],
): Promise<Participant[]> {
  return unwrap(
    await api.POST('/api/v1/debriefs/{debrief_id}/attendance', {
      params: { path: { debrief_id: debriefId } },
      body: { attended, absent },
    }),
  );
}

export async function saveRecord(debriefId: string, version: number, body: DebriefRecordWrite): Promise<DebriefRecord> {
  return unwrap(
    await api.PUT('/api/v1/debriefs/{debrief_id}/record', {
      params: { path: { debrief_id: debriefId }, header: { 'If-Match': ifMatch(version) } },
      body,
    }),
  );
}

export async function giveFeedback(debriefId: string, body: DebriefFeedbackCreate): Promise<void> {
  // No Idempotency-Key on purpose: the server would keep a hash of the answer with your id.
  const result = await api.POST('/api/v1/debriefs/{debrief_id}/feedback', {
    params: { path: { debrief_id: debriefId } },
    body,
  });
  unwrap(result);
}

export async function getFeedbackSummary(debriefId: string): Promise<DebriefFeedbackSummary> {
  return unwrap(
    await api.GET('/api/v1/debriefs/{debrief_id}/feedback', { params: { path: { debrief_id: debriefId } } }),
  );
}

export async function listTeamMembers(departmentId: string | null, cursor: string | null): Promise<Page<TeamMember>> {
  return unwrap(
    await api.GET('/api/v1/debriefs/people', {
      params: {
        query: { limit: 200, ...(cursor ? { cursor } : {}), ...(departmentId ? { department_id: departmentId } : {}) },
      },
    }),
  );
}

/** Everyone the caller may pick (organisations have hundreds, not millions; capped at 2,000). */
export async function listAllTeamMembers(): Promise<TeamMember[]> {
  const all: TeamMember[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10; page++) {
    const result: Page<TeamMember> = await listTeamMembers(null, cursor);
    all.push(...result.items);
    cursor = result.next_cursor ?? null;
    if (cursor === null) break;
  }
  return all;
}

export async function getReport(reportId: string): Promise<ReportSummary> {
  return unwrap(await api.GET('/api/v1/reports/{report_id}', { params: { path: { report_id: reportId } } }));
}

/** The caller's upcoming debriefs as an .ics file (fetched with the session, then saved). */
export async function downloadCalendar(): Promise<Blob> {
  const response = await authFetch(new Request(`${globalThis.location.origin}/api/v1/debriefs.ics`));
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null);
    throw new ApiError(response.status, isProblem(body) ? body : null);
  }
  return response.blob();
}

// --- action items ---------------------------------------------------------------------

export interface ActionFilters {
  ownerId?: string | null;
  departmentId?: string | null;
  overdue?: boolean;
  debriefId?: string | null;
  status?: ActionStatus | null;
  strength?: ActionStrength | null;
}

export async function listActionItems(filters: ActionFilters, cursor: string | null): Promise<Page<ActionItem>> {
  return unwrap(
    await api.GET('/api/v1/action-items', {
      params: {
        query: {
          limit: PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
          ...(filters.ownerId ? { owner_id: filters.ownerId } : {}),
          ...(filters.departmentId ? { department_id: filters.departmentId } : {}),
          ...(filters.overdue ? { overdue: true } : {}),
          ...(filters.debriefId ? { debrief_id: filters.debriefId } : {}),
          ...(filters.status ? { status: filters.status } : {}),
          ...(filters.strength ? { strength: filters.strength } : {}),
        },
      },
    }),
  );
}

export async function getActionItem(actionItemId: string): Promise<ActionItem> {
  return unwrap(
    await api.GET('/api/v1/action-items/{action_item_id}', { params: { path: { action_item_id: actionItemId } } }),
  );
}

export async function createDebriefAction(
  debriefId: string,
  body: ActionItemCreate,
  idempotencyKey: string,
): Promise<ActionItem> {
  return unwrap(
    await api.POST('/api/v1/debriefs/{debrief_id}/action-items', {
      params: { path: { debrief_id: debriefId }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

export async function updateActionItem(
  item: Pick<ActionItem, 'id' | 'version'>,
  body: ActionItemUpdate,
): Promise<ActionItem> {
  return unwrap(
    await api.PATCH('/api/v1/action-items/{action_item_id}', {
      params: { path: { action_item_id: item.id }, header: { 'If-Match': ifMatch(item.version) } },
      body,
    }),
  );
}

export async function listCategories(): Promise<ActionCategoryInfo[]> {
  return unwrap(await api.GET('/api/v1/action-items/categories'));
}

export async function overdueByDepartment(): Promise<OverdueCount[]> {
  return unwrap(await api.GET('/api/v1/action-items/overdue-by-department'));
}
