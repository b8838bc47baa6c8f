import { describe, expect, it } from 'vitest';
import { ApiError, toFormErrors, unwrap } from './problem';
import type { Problem } from './types';

function apiError(status: number, fields: Partial<Problem> = {}): ApiError {
  return new ApiError(status, { type: 'about:blank', title: 'Error', status, ...fields });
}

describe('toFormErrors', () => {
  it('puts detail at the top and each body error next to its field', () => {
    const result = toFormErrors(
      apiError(422, {
        detail: 'The request has invalid fields.',
        errors: [
          { field: 'name', location: 'body', message: 'Must not be empty.' },
          { field: 'code', location: 'body', message: 'Too long.' },
        ],
      }),
      { fields: ['name', 'code'] },
    );
    expect(result).toEqual({
      formError: 'The request has invalid fields.',
      fieldErrors: { name: 'Must not be empty.', code: 'Too long.' },
    });
  });

  it('attaches errors on nested paths to the form field that holds them', () => {
    const result = toFormErrors(
      apiError(422, {
        errors: [
          { field: 'roles.1', location: 'body', message: 'Unknown role.' },
          { field: 'roles', location: 'body', message: 'At least one role.' },
        ],
      }),
      { fields: ['roles'] },
    );
    expect(result.fieldErrors).toEqual({ roles: 'Unknown role. At least one role.' });
    expect(result.formError).toBe('Please correct the highlighted fields.');
  });

  it('keeps errors for fields the form does not have at the top', () => {
    const result = toFormErrors(
      apiError(422, {
        detail: 'Invalid request.',
        errors: [
          { field: 'name', location: 'body', message: 'Required.' },
          { field: 'If-Match', location: 'header', message: 'Malformed.' },
        ],
      }),
      { fields: ['name'] },
    );
    expect(result.fieldErrors).toEqual({ name: 'Required.' });
    expect(result.formError).toBe('Invalid request. If-Match: Malformed.');
  });

  it('keys non-body errors by location when no field list is given', () => {
    const result = toFormErrors(
      apiError(422, { errors: [{ field: 'limit', location: 'query', message: 'Too large.' }] }),
    );
    expect(result.fieldErrors).toEqual({ 'query.limit': 'Too large.' });
  });

  it('explains a stale write (412) when the server gives no detail', () => {
    const result = toFormErrors(apiError(412));
    expect(result.formError).toMatch(/someone else changed this record/i);
    expect(result.fieldErrors).toEqual({});
  });

  it('uses the title when a problem has neither detail nor a known status', () => {
    expect(toFormErrors(apiError(418, { title: "I'm a teapot" })).formError).toBe("I'm a teapot");
  });

  it('handles responses that are not problem documents', () => {
    expect(toFormErrors(new ApiError(502, null)).formError).toMatch(/went wrong on our side/i);
  });

  it('reports network failures as such', () => {
    expect(toFormErrors(new TypeError('Failed to fetch')).formError).toMatch(/could not reach haven/i);
  });
});

describe('unwrap', () => {
  it('returns data of a successful result', () => {
    expect(unwrap({ data: { ok: 1 }, response: new Response(null, { status: 200 }) })).toEqual({ ok: 1 });
  });

  it('throws an ApiError carrying the problem', () => {
    const problem: Problem = { type: 'about:blank', title: 'Conflict', status: 409, detail: 'Code taken.' };
    try {
      unwrap({ error: problem, response: new Response(null, { status: 409 }) });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(409);
      expect((error as ApiError).problem).toEqual(problem);
      expect((error as ApiError).message).toBe('Code taken.');
    }
  });
});
