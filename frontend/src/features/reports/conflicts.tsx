import { ApiError, toFormErrors, type FormErrors, type ToFormErrorsOptions } from '../../api/problem';
import { FormError } from '../../components/FormError';

export interface WriteErrors extends FormErrors {
  /** 412: someone else saved first; the page must be reloaded before trying again. */
  stale: boolean;
}

export const NO_WRITE_ERRORS: WriteErrors = { formError: null, fieldErrors: {}, stale: false };

/** Errors of a versioned write, with 409 (a move the workflow refuses) and 412 (stale) made plain. */
export function writeErrors(error: unknown, options: ToFormErrorsOptions = {}): WriteErrors {
  const base = toFormErrors(error, options);
  if (error instanceof ApiError && error.status === 412) {
    return {
      formError:
        'Someone else changed this report while you were working on it, so your change was not saved. Reload to see the latest version, then make your change again.',
      fieldErrors: {},
      stale: true,
    };
  }
  if (error instanceof ApiError && error.status === 409) {
    return {
      ...base,
      formError: `This move is not allowed now: ${error.problem?.detail ?? 'the report’s status has changed.'} Reload to see where it stands.`,
      stale: true,
    };
  }
  return { ...base, stale: false };
}

/** The error at the top of a panel, with a reload button when the record is stale. */
export function WriteError({ errors, onReload }: { errors: WriteErrors; onReload(): void }) {
  return (
    <FormError message={errors.formError}>
      {errors.stale ? (
        <button type="button" className="button button--secondary" onClick={onReload}>
          Reload the report
        </button>
      ) : null}
    </FormError>
  );
}
