import { useCallback, useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { SHIFT_LABELS, SHIFTS, type ShiftName, type ShiftRead } from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { SelectField } from '../../components/SelectField';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { listShifts, recordShift } from './checkinsApi';

const FIELDS = ['shift_on', 'shift', 'planned_staff', 'actual_staff', 'patient_census', 'department_id'] as const;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function asCount(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

export default function StaffingPage() {
  usePageTitle('Staffing');
  const { me } = useAuth();
  const departmentId = me?.department_id ?? null;
  const idempotencyKey = useIdempotencyKey();
  const [shiftOn, setShiftOn] = useState(today());
  const [shift, setShift] = useState<ShiftName>('day');
  const [planned, setPlanned] = useState('');
  const [actual, setActual] = useState('');
  const [census, setCensus] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [flash, setFlash] = useState<string | null>(null);
  const [conflict, setConflict] = useState<ShiftRead | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const load = useCallback(
    (cursor: string | null) => listShifts({ ...(departmentId ? { departmentId } : {}), cursor }),
    [departmentId],
  );
  const list = useKeysetList<ShiftRead>(load);

  const save = async (replacing?: number) => {
    if (!departmentId) return;
    setSubmitting(true);
    setErrors(NO_ERRORS);
    setFlash(null);
    try {
      const saved = await recordShift(
        {
          department_id: departmentId,
          shift_on: shiftOn,
          shift,
          planned_staff: asCount(planned),
          actual_staff: asCount(actual),
          patient_census: census.trim() === '' ? null : asCount(census),
        },
        idempotencyKey.current(),
        replacing,
      );
      idempotencyKey.renew();
      setConflict(null);
      setFlash(`${SHIFT_LABELS[saved.shift]} shift on ${saved.shift_on} ${replacing ? 'replaced' : 'recorded'}.`);
      list.reload();
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
      if (error instanceof ApiError && error.status === 409) {
        const recorded = (await listShifts({ departmentId, cursor: null })).items.find(
          (s) => s.shift_on === shiftOn && s.shift === shift,
        );
        setConflict(recorded ?? null);
      }
    } finally {
      setSubmitting(false);
    }
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save();
  };

  return (
    <>
      <h1>Staffing</h1>
      <p className="lead">Planned and actual staff and the patient census of your department's shifts.</p>
      {!departmentId ? <p className="alert alert--info">Your profile has no department.</p> : null}
      <StatusMessage message={flash} />
      <form className="form panel" onSubmit={onSubmit} noValidate>
        <FormError message={errors.formError}>
          {conflict ? (
            <button
              type="button"
              className="button button--secondary"
              disabled={submitting}
              onClick={() => void save(conflict.version)}
            >
              Replace the recorded figures ({conflict.actual_staff} of {conflict.planned_staff} staff)
            </button>
          ) : null}
        </FormError>
        <TextField
          label="Day"
          type="date"
          name="shift_on"
          required
          value={shiftOn}
          onChange={(e) => setShiftOn(e.target.value)}
          error={errors.fieldErrors.shift_on}
        />
        <SelectField
          label="Shift"
          name="shift"
          value={shift}
          onChange={(e) => setShift(e.target.value as ShiftName)}
          options={SHIFTS.map((s) => ({ value: s, label: SHIFT_LABELS[s] }))}
          error={errors.fieldErrors.shift}
        />
        <TextField
          label="Planned staff"
          inputMode="numeric"
          name="planned_staff"
          required
          value={planned}
          onChange={(e) => setPlanned(e.target.value)}
          error={errors.fieldErrors.planned_staff}
        />
        <TextField
          label="Actual staff"
          inputMode="numeric"
          name="actual_staff"
          required
          value={actual}
          onChange={(e) => setActual(e.target.value)}
          error={errors.fieldErrors.actual_staff}
        />
        <TextField
          label="Patient census (optional)"
          inputMode="numeric"
          name="patient_census"
          value={census}
          onChange={(e) => setCensus(e.target.value)}
          error={errors.fieldErrors.patient_census}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting || !departmentId}>
            {submitting ? 'Saving…' : 'Record shift'}
          </button>
        </div>
      </form>
      <h2>Recorded shifts</h2>
      <FormError message={list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading shifts…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>No shifts recorded yet.</p> : null}
      {list.items.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Recorded shifts" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Shift</th>
                <th scope="col">Planned</th>
                <th scope="col">Actual</th>
                <th scope="col">Census</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.shift_on}</th>
                  <td>{SHIFT_LABELS[s.shift]}</td>
                  <td>{s.planned_staff}</td>
                  <td>{s.actual_staff}</td>
                  <td>{s.patient_census ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
