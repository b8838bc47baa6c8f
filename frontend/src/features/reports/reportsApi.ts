/** The signed-in side of reports: submission, my reports, the safety team's work, lessons. */
import { api } from '../../api/client';
import { ifMatch } from '../../api/headers';
import { unwrap } from '../../api/problem';
import type {
  Category,
  Harm,
  HighRiskScenario,
  InvolvedStaff,
  InvolvedStaffUpdate,
  JcReview,
  JcReviewWrite,
  Lesson,
  LessonCreate,
  Message,
  MyReport,
  Organisation,
  Page,
  ReportCreate,
  ReportCreated,
  ReportKind,
  ReportListItem,
  ReportMode,
  ReportRead,
  ReportStatus,
  ReportStatusCount,
  ReportUpdate,
  StaffCandidate,
  Subcategory,
} from '../../api/types';

export const PAGE_SIZE = 25;

export async function getOrganisation(): Promise<Organisation> {
  return unwrap(await api.GET('/api/v1/organisation'));
}

export async function listSubcategories(): Promise<Subcategory[]> {
  return unwrap(await api.GET('/api/v1/reports/subcategories'));
}

export async function submitReport(body: ReportCreate, idempotencyKey: string): Promise<ReportCreated> {
  return unwrap(
    await api.POST('/api/v1/reports', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function listMyReports(cursor: string | null): Promise<Page<MyReport>> {
  return unwrap(
    await api.GET('/api/v1/reports/mine', {
      params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    }),
  );
}

export interface ReportFilters {
  status?: ReportStatus | null;
  kind?: ReportKind | null;
  category?: Category | null;
  harm?: Harm | null;
  mode?: ReportMode | null;
  departmentId?: string | null;
  occurredFrom?: string | null;
  occurredTo?: string | null;
}

function filterQuery(filters: ReportFilters) {
  return {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.kind ? { kind: filters.kind } : {}),
    ...(filters.category ? { category: filters.category } : {}),
    ...(filters.harm ? { harm: filters.harm } : {}),
    ...(filters.mode ? { mode: filters.mode } : {}),
    ...(filters.departmentId ? { department_id: filters.departmentId } : {}),
    ...(filters.occurredFrom ? { occurred_from: filters.occurredFrom } : {}),
    ...(filters.occurredTo ? { occurred_to: filters.occurredTo } : {}),
  };
}

export async function listReports(filters: ReportFilters, cursor: string | null): Promise<Page<ReportListItem>> {
  return unwrap(
    await api.GET('/api/v1/reports', {
      params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}), ...filterQuery(filters) } },
    }),
  );
}

/** Counts by status under the same filters (the status filter itself left out). */
export async function countReports(filters: ReportFilters): Promise<ReportStatusCount[]> {
  return unwrap(await api.GET('/api/v1/reports/counts', { params: { query: filterQuery({ ...filters, status: null }) } }));
}

export async function getReport(reportId: string): Promise<ReportRead> {
  return unwrap(await api.GET('/api/v1/reports/{report_id}', { params: { path: { report_id: reportId } } }));
}

export async function updateReport(report: Pick<ReportRead, 'id' | 'version'>, body: ReportUpdate): Promise<ReportRead> {
  return unwrap(
    await api.PATCH('/api/v1/reports/{report_id}', {
      params: { path: { report_id: report.id }, header: { 'If-Match': ifMatch(report.version) } },
      body,
    }),
  );
}

export async function transitionReport(
  report: Pick<ReportRead, 'id' | 'version'>,
  to: ReportStatus,
  reason: string | null,
): Promise<ReportRead> {
  return unwrap(
    await api.POST('/api/v1/reports/{report_id}/transitions', {
      params: { path: { report_id: report.id }, header: { 'If-Match': ifMatch(report.version) } },
      body: { to, ...(reason ? { reason } : {}) },
    }),
  );
}

export async function listHighRiskScenarios(): Promise<HighRiskScenario[]> {
  return unwrap(await api.GET('/api/v1/reports/high-risk-scenarios'));
}

export async function getInvolvedStaff(reportId: string): Promise<InvolvedStaff> {
  return unwrap(
    await api.GET('/api/v1/reports/{report_id}/involved-staff', { params: { path: { report_id: reportId } } }),
  );
}

export async function setInvolvedStaff(reportId: string, body: InvolvedStaffUpdate): Promise<InvolvedStaff> {
  return unwrap(
    await api.PUT('/api/v1/reports/{report_id}/involved-staff', { params: { path: { report_id: reportId } }, body }),
  );
}

export async function searchStaff(reportId: string, q: string): Promise<StaffCandidate[]> {
  return unwrap(
    await api.GET('/api/v1/reports/{report_id}/staff-candidates', {
      params: { path: { report_id: reportId }, query: { q, limit: 10 } },
    }),
  );
}

export async function listMessages(reportId: string): Promise<Message[]> {
  return unwrap(await api.GET('/api/v1/reports/{report_id}/messages', { params: { path: { report_id: reportId } } }));
}

export async function postMessage(reportId: string, body: string): Promise<Message> {
  return unwrap(
    await api.POST('/api/v1/reports/{report_id}/messages', {
      params: { path: { report_id: reportId } },
      body: { body },
    }),
  );
}

export async function listReviews(reportId: string): Promise<JcReview[]> {
  return unwrap(
    await api.GET('/api/v1/reports/{report_id}/just-culture-reviews', { params: { path: { report_id: reportId } } }),
  );
}

export async function createReview(reportId: string, body: JcReviewWrite, idempotencyKey: string): Promise<JcReview> {
  return unwrap(
    await api.POST('/api/v1/reports/{report_id}/just-culture-reviews', {
      params: { path: { report_id: reportId }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

export async function updateReview(review: Pick<JcReview, 'id' | 'report_id' | 'version'>, body: JcReviewWrite): Promise<JcReview> {
  return unwrap(
    await api.PUT('/api/v1/reports/{report_id}/just-culture-reviews/{review_id}', {
      params: {
        path: { report_id: review.report_id, review_id: review.id },
        header: { 'If-Match': ifMatch(review.version) },
      },
      body,
    }),
  );
}

export async function publishLesson(body: LessonCreate, idempotencyKey: string): Promise<Lesson> {
  return unwrap(
    await api.POST('/api/v1/lessons', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function listLessons(cursor: string | null): Promise<Page<Lesson>> {
  return unwrap(
    await api.GET('/api/v1/lessons', { params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } } }),
  );
}

export async function getLesson(lessonId: string): Promise<Lesson> {
  return unwrap(await api.GET('/api/v1/lessons/{lesson_id}', { params: { path: { lesson_id: lessonId } } }));
}
