/** Pure helpers of the support pages (tested in supportLogic.test.ts). */
import {
  SUPPORT_STATUSES,
  WEEKDAY_LABELS,
  type OnCallWindow,
  type SupportRequest,
  type SupportStatus,
} from '../../api/types';

/** "45 min", "3 h 5 min", "2 d 4 h". */
export function durationText(totalMinutes: number): string {
  const minutes = Math.max(0, Math.round(totalMinutes));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `${days} d ${restHours} h` : `${days} d`;
}

export interface TimeLeft {
  overdue: boolean;
  text: string;
}

/** Time left to the first-contact target, or how far past it. */
export function timeLeft(dueAt: string, now: Date): TimeLeft {
  const minutes = (new Date(dueAt).getTime() - now.getTime()) / 60_000;
  if (minutes < 0) return { overdue: true, text: `Overdue by ${durationText(-minutes)}` };
  return { overdue: false, text: `${durationText(minutes)} left to first contact` };
}

/** Whether the first-contact clock still runs for this request. */
export function awaitingFirstContact(request: Pick<SupportRequest, 'status' | 'first_contact_at'>): boolean {
  return request.first_contact_at == null && (request.status === 'new' || request.status === 'assigned');
}

/** Requests grouped by status, in the workflow's order, empty groups left out. */
export function groupByStatus<T extends Pick<SupportRequest, 'status'>>(
  requests: readonly T[],
): { status: SupportStatus; items: T[] }[] {
  return SUPPORT_STATUSES.map((status) => ({ status, items: requests.filter((r) => r.status === status) })).filter(
    (group) => group.items.length > 0,
  );
}

/** "Monday 08:00–16:00", or "Monday 22:00–06:00 (next day)". */
export function windowText(window: OnCallWindow): string {
  const day = WEEKDAY_LABELS[window.weekday] ?? `Day ${window.weekday}`;
  if (window.start === window.end) return `${day}, all day from ${window.start}`;
  const overnight = window.end <= window.start ? ' (next day)' : '';
  return `${day} ${window.start}–${window.end}${overnight}`;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isTime(value: string): boolean {
  return HHMM.test(value);
}

/** Every day, all day: the quick choice for a supporter always reachable. */
export function allWeek(): OnCallWindow[] {
  return WEEKDAY_LABELS.map((_, weekday) => ({ weekday, start: '00:00', end: '00:00' }));
}

/** A `datetime-local` input's value for a moment, in the browser's time zone. */
export function toLocalInput(moment: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}` +
    `T${pad(moment.getHours())}:${pad(moment.getMinutes())}`
  );
}

/** A `datetime-local` value back to an ISO 8601 instant (with its offset, as the API wants). */
export function fromLocalInput(value: string): string | null {
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? null : moment.toISOString();
}

/** `tel:` link for a phone number as people write it ("116 123", "+44 (0)20 ..."). */
export function telHref(phone: string): string | null {
  const digits = phone.replace(/\(0\)/g, '').replace(/[^\d+]/g, '');
  return digits.length >= 3 ? `tel:${digits}` : null;
}
