import { useCallback, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import type { Department, DepartmentUpdate } from '../../api/types';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import type { FlashState } from '../../hooks/useFlash';
import { createDepartment, getDepartment, updateDepartment } from './orgApi';

const FIELDS = ['name', 'code'] as const;

export default function DepartmentFormPage() {
  const { departmentId } = useParams();
  const editing = departmentId !== undefined;
  usePageTitle(editing ? 'Edit department' : 'New department');
  const navigate = useNavigate();
  const idempotencyKey = useIdempotencyKey();

  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [stale, setStale] = useState(false);
  const [submitting, setSubmitting] = useState(false);

  const loadDepartment = useCallback(() => getDepartment(departmentId ?? ''), [departmentId]);
  const department = useLoad(editing ? loadDepartment : null, (found) => {
    setName(found.name);
    setCode(found.code);
    setErrors(NO_ERRORS);
    setStale(false);
  });
  const original = department.data;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    setStale(false);
    try {
      let saved: Department;
      if (original) {
        const changes: DepartmentUpdate = {};
        if (name.trim() !== original.name) changes.name = name.trim();
        if (code.trim() !== original.code) changes.code = code.trim();
        saved = await updateDepartment(original, changes);
      } else {
        saved = await createDepartment({ name: name.trim(), code: code.trim() }, idempotencyKey.current());
      }
      const state: FlashState = { flash: `Department ${saved.name} ${original ? 'saved' : 'created'}.` };
      navigate('/admin/departments', { state });
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setStale(error instanceof ApiError && error.status === 412);
      setSubmitting(false);
    }
  };

  return (
    <>
      <p className="breadcrumb">
        <Link to="/admin/departments">Departments</Link>
      </p>
      <h1>{editing ? `Edit department${original ? `: ${original.name}` : ''}` : 'New department'}</h1>
      {department.loading ? (
        <p role="status">Loading department…</p>
      ) : (
        <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
          <FormError message={department.error ?? errors.formError}>
            {stale ? (
              <button type="button" className="button button--secondary" onClick={department.reload}>
                Reload the latest version
              </button>
            ) : null}
          </FormError>
          <TextField
            label="Name"
            name="name"
            required
            autoComplete="off"
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={errors.fieldErrors.name}
          />
          <TextField
            label="Code"
            name="code"
            required
            autoComplete="off"
            hint="A short unique code: letters, digits, - or _, up to 16 characters (e.g. ICU or ED-2)."
            value={code}
            onChange={(event) => setCode(event.target.value)}
            error={errors.fieldErrors.code}
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={submitting || (editing && !original)}>
              {submitting ? 'Saving…' : editing ? 'Save changes' : 'Create department'}
            </button>
            <Link to="/admin/departments" className="button button--secondary">
              Cancel
            </Link>
          </div>
        </form>
      )}
    </>
  );
}
