/**
 * RFC 9457 problem details → what a form shows: one message at the top and one
 * message per field, next to it.
 */
import type { FieldErrorItem, Problem } from './types';

/**
 * An unsuccessful API response. `problem` is null when the body was not problem+json;
 * `retryAfter` is the response's Retry-After in seconds (429 and 503 carry one), else null.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  readonly retryAfter: number | null;

  constructor(status: number, problem: Problem | null, retryAfter: number | null = null) {
    super(problem?.detail ?? problem?.title ?? `Request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/** Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.status === 'number' && typeof v.title === 'string';
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Return the data of an openapi-fetch result, or throw an ApiError. */
export function unwrap<T>(result: FetchResult<T>): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(
      result.response.status,
      isProblem(result.error) ? result.error : null,
      retryAfterSeconds(result.response.headers.get('Retry-After')),
    );
  }
  return result.data as T;
}

/**
 * The calm words for a refusal under load, or null for any other error: 429 (this device
 * or network sent too much; the wait comes from Retry-After, in minutes) and 503 (Haven is
 * busy: `busy` says what became of the person's work, e.g. that their report is not lost).
 * Pages that keep what the person typed show this instead of the server's wording.
 */
export function underLoadMessage(error: unknown, busy: string): string | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 429) {
    const minutes = Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60));
    return `Too many attempts from this device. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  }
  if (error.status === 503) return busy;
  return null;
}

export type FieldErrors = Record<string, string>;

export interface FormErrors {
  formError: string | null;
  fieldErrors: FieldErrors;
}

export const NO_ERRORS: FormErrors = { formError: null, fieldErrors: {} };

const STATUS_MESSAGES: Record<number, string> = {
  401: 'Your session has ended. Please sign in again.',
  403: 'You do not have permission to do this.',
  404: 'This record no longer exists, or you cannot see it.',
  409: 'This conflicts with an existing record.',
  412: 'Someone else changed this record while you were editing. Reload it to see the latest version, then make your change again.',
  428: 'This change needs the record’s version. Reload the page and try again.',
  429: 'Too many attempts. Please wait a moment and try again.',
};

function fallbackMessage(status: number): string {
  return STATUS_MESSAGES[status] ?? (status >= 500
    ? 'Something went wrong on our side. Please try again.'
    : `The request failed (status ${status}).`);
}

/** Key under which a field error is shown: body fields by their dotted path, others prefixed by location. */
function keyFor(item: FieldErrorItem): string {
  return item.location === 'body' ? item.field : `${item.location}.${item.field}`;
}

/**
 * Find the form field an error belongs to. A path like `roles.2` belongs to `roles`;
 * when `fields` is given, errors for anything else go to the top of the form so
 * nothing the server said is lost.
 */
function fieldFor(key: string, fields: readonly string[] | undefined): string | null {
  if (fields === undefined) return key;
  let candidate = key;
  for (;;) {
    if (fields.includes(candidate)) return candidate;
    const dot = candidate.lastIndexOf('.');
    if (dot < 0) return null;
    candidate = candidate.slice(0, dot);
  }
}

export interface ToFormErrorsOptions {
  /** The form's field names (body paths, or `query.name` for filters). */
  fields?: readonly string[];
}

/** Turn anything a request can throw into messages for a form. */
export function toFormErrors(error: unknown, options: ToFormErrorsOptions = {}): FormErrors {
  if (!(error instanceof ApiError)) {
    return {
      formError:
        error instanceof TypeError
          ? 'Could not reach Haven. Check your connection and try again.'
          : 'Something went wrong. Please try again.',
      fieldErrors: {},
    };
  }
  const problem = error.problem;
  const fieldErrors: FieldErrors = {};
  const unplaced: string[] = [];
  for (const item of problem?.errors ?? []) {
    const field = fieldFor(keyFor(item), options.fields);
    if (field === null) {
      unplaced.push(item.field ? `${item.field}: ${item.message}` : item.message);
    } else {
      fieldErrors[field] = fieldErrors[field] ? `${fieldErrors[field]} ${item.message}` : item.message;
    }
  }

  const summary =
    problem?.detail ||
    (Object.keys(fieldErrors).length > 0 ? 'Please correct the highlighted fields.' : null) ||
    STATUS_MESSAGES[error.status] ||
    problem?.title ||
    fallbackMessage(error.status);
  const formError = [summary, ...unplaced].join(' ');
  return { formError, fieldErrors };
}
