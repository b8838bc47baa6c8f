import { api } from '../../api/client';
import { ifMatch } from '../../api/headers';
import { unwrap } from '../../api/problem';
import type { CheckinReceipt, CheckinSubmit, CurrentCheckin, Page, ShiftRead, ShiftWrite } from '../../api/types';

export async function getCurrentCheckin(): Promise<CurrentCheckin> {
  return unwrap(await api.GET('/api/v1/checkins/current'));
}

/** No Idempotency-Key on purpose: the server refuses a second answer in a period (409). */
export async function submitCheckin(body: CheckinSubmit): Promise<CheckinReceipt> {
  return unwrap(await api.POST('/api/v1/checkins/responses', { body }));
}

export async function listShifts(options: { departmentId?: string; cursor?: string | null }): Promise<Page<ShiftRead>> {
  return unwrap(
    await api.GET('/api/v1/staffing/shifts', {
      params: {
        query: {
          limit: 50,
          ...(options.cursor ? { cursor: options.cursor } : {}),
          ...(options.departmentId ? { department_id: options.departmentId } : {}),
        },
      },
    }),
  );
}

/** Record a shift; pass the version being replaced to overwrite an existing one. */
export async function recordShift(body: ShiftWrite, idempotencyKey: string, replacing?: number): Promise<ShiftRead> {
  return unwrap(
    await api.POST('/api/v1/staffing/shifts', {
      body,
      params: {
        header: {
          'Idempotency-Key': idempotencyKey,
          ...(replacing !== undefined ? { 'If-Match': ifMatch(replacing) } : {}),
        },
      },
    }),
  );
}
