import { api } from '../../api/client';
import { ifMatch } from '../../api/headers';
import { unwrap } from '../../api/problem';
import type {
  Availability,
  Candidates,
  CoordinatorSupportRequest,
  DueFollowUp,
  Encounter,
  EncounterCreate,
  EscalationResource,
  FollowUp,
  OnCallWindow,
  OutreachTask,
  Page,
  ProgramMetrics,
  RequesterSupportRequest,
  SupportConfig,
  Supporter,
  SupporterCreate,
  SupporterSupportRequest,
  SupporterUpdate,
  SupportRequest,
  SupportRequestCreate,
  SupportRequestCreated,
  SupportResourceItem,
  SupportResources,
  SupportStatus,
  Urgency,
} from '../../api/types';

export const PAGE_SIZE = 50;

type Versioned = { id: string; version: number };

function paging(cursor: string | null) {
  return { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
}

export async function getResources(): Promise<SupportResources> {
  return unwrap(await api.GET('/api/v1/support/resources'));
}

export async function setResources(version: number, items: SupportResourceItem[]): Promise<SupportResources> {
  return unwrap(
    await api.PUT('/api/v1/support/resources', {
      params: { header: { 'If-Match': ifMatch(version) } },
      body: { items },
    }),
  );
}

export async function getSupportConfig(): Promise<SupportConfig> {
  return unwrap(await api.GET('/api/v1/support/settings'));
}

export async function createRequest(body: SupportRequestCreate, idempotencyKey: string): Promise<SupportRequestCreated> {
  return unwrap(
    await api.POST('/api/v1/support/requests', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function listMyRequests(cursor: string | null): Promise<Page<RequesterSupportRequest>> {
  return unwrap(await api.GET('/api/v1/support/requests/mine', { params: { query: paging(cursor) } }));
}

export async function listAssigned(cursor: string | null): Promise<Page<SupporterSupportRequest>> {
  return unwrap(await api.GET('/api/v1/support/requests/assigned', { params: { query: paging(cursor) } }));
}

export interface BoardFilters {
  status?: SupportStatus | null;
  urgency?: Urgency | null;
  overdue?: boolean;
}

export async function listBoard(
  filters: BoardFilters,
  cursor: string | null,
): Promise<Page<CoordinatorSupportRequest>> {
  return unwrap(
    await api.GET('/api/v1/support/requests', {
      params: {
        query: {
          ...paging(cursor),
          ...(filters.status ? { status: filters.status } : {}),
          ...(filters.urgency ? { urgency: filters.urgency } : {}),
          ...(filters.overdue ? { overdue: true } : {}),
        },
      },
    }),
  );
}

export async function getRequest(requestId: string): Promise<SupportRequest> {
  return unwrap(
    await api.GET('/api/v1/support/requests/{request_id}', { params: { path: { request_id: requestId } } }),
  );
}

export async function transition(request: Versioned, to: SupportStatus): Promise<SupportRequest> {
  return unwrap(
    await api.POST('/api/v1/support/requests/{request_id}/transitions', {
      params: { path: { request_id: request.id }, header: { 'If-Match': ifMatch(request.version) } },
      body: { to },
    }),
  );
}

export async function assign(request: Versioned, supporterId: string | null): Promise<SupportRequest> {
  return unwrap(
    await api.POST('/api/v1/support/requests/{request_id}/assignment', {
      params: { path: { request_id: request.id }, header: { 'If-Match': ifMatch(request.version) } },
      body: { supporter_id: supporterId },
    }),
  );
}

export async function escalate(request: Versioned, resource: EscalationResource): Promise<SupportRequest> {
  return unwrap(
    await api.POST('/api/v1/support/requests/{request_id}/escalation', {
      params: { path: { request_id: request.id }, header: { 'If-Match': ifMatch(request.version) } },
      body: { resource },
    }),
  );
}

export async function getCandidates(requestId: string): Promise<Candidates> {
  return unwrap(
    await api.GET('/api/v1/support/requests/{request_id}/candidates', {
      params: { path: { request_id: requestId } },
    }),
  );
}

export async function listEncounters(requestId: string): Promise<Encounter[]> {
  return unwrap(
    await api.GET('/api/v1/support/requests/{request_id}/encounters', {
      params: { path: { request_id: requestId } },
    }),
  );
}

export async function logEncounter(requestId: string, body: EncounterCreate, idempotencyKey: string): Promise<Encounter> {
  return unwrap(
    await api.POST('/api/v1/support/requests/{request_id}/encounters', {
      params: { path: { request_id: requestId }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

export async function listFollowUps(requestId: string): Promise<FollowUp[]> {
  return unwrap(
    await api.GET('/api/v1/support/requests/{request_id}/follow-ups', {
      params: { path: { request_id: requestId } },
    }),
  );
}

export async function updateFollowUp(
  followUp: FollowUp,
  body: { status?: 'done' | 'cancelled'; due_on?: string },
): Promise<FollowUp> {
  return unwrap(
    await api.PATCH('/api/v1/support/requests/{request_id}/follow-ups/{follow_up_id}', {
      params: {
        path: { request_id: followUp.request_id, follow_up_id: followUp.id },
        header: { 'If-Match': ifMatch(followUp.version) },
      },
      body,
    }),
  );
}

export async function listDueFollowUps(): Promise<DueFollowUp[]> {
  return unwrap(await api.GET('/api/v1/support/follow-ups/due'));
}

export async function giveFeedback(requestId: string, helpful: number, comment: string): Promise<void> {
  const result = await api.POST('/api/v1/support/requests/{request_id}/feedback', {
    params: { path: { request_id: requestId } },
    body: { helpful, ...(comment.trim() ? { comment: comment.trim() } : {}) },
  });
  unwrap(result);
}

export async function getAvailability(): Promise<Availability> {
  return unwrap(await api.GET('/api/v1/support/supporters/me/availability'));
}

export async function setAvailability(
  version: number,
  onCall: OnCallWindow[],
  isPaused: boolean,
): Promise<Availability> {
  return unwrap(
    await api.PUT('/api/v1/support/supporters/me/availability', {
      params: { header: { 'If-Match': ifMatch(version) } },
      body: { on_call: onCall, is_paused: isPaused },
    }),
  );
}

export async function listSupporters(cursor: string | null): Promise<Page<Supporter>> {
  return unwrap(await api.GET('/api/v1/support/supporters', { params: { query: paging(cursor) } }));
}

export async function createSupporter(body: SupporterCreate, idempotencyKey: string): Promise<Supporter> {
  return unwrap(
    await api.POST('/api/v1/support/supporters', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function updateSupporter(supporter: Versioned, body: SupporterUpdate): Promise<Supporter> {
  return unwrap(
    await api.PATCH('/api/v1/support/supporters/{supporter_id}', {
      params: { path: { supporter_id: supporter.id }, header: { 'If-Match': ifMatch(supporter.version) } },
      body,
    }),
  );
}

export async function listOutreach(cursor: string | null): Promise<Page<OutreachTask>> {
  return unwrap(await api.GET('/api/v1/support/outreach', { params: { query: paging(cursor) } }));
}

export async function acceptOutreach(task: Versioned, urgency: Urgency): Promise<CoordinatorSupportRequest> {
  return unwrap(
    await api.POST('/api/v1/support/outreach/{task_id}/accept', {
      params: { path: { task_id: task.id }, header: { 'If-Match': ifMatch(task.version) } },
      body: { urgency },
    }),
  );
}

export async function declineOutreach(task: Versioned): Promise<OutreachTask> {
  return unwrap(
    await api.POST('/api/v1/support/outreach/{task_id}/decline', {
      params: { path: { task_id: task.id }, header: { 'If-Match': ifMatch(task.version) } },
    }),
  );
}

export async function getMetrics(): Promise<ProgramMetrics> {
  return unwrap(await api.GET('/api/v1/support/metrics'));
}
