import { useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import type { Availability, OnCallWindow } from '../../api/types';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { getAvailability, setAvailability } from './supportApi';
import { WindowsEditor } from './WindowsEditor';

const loadAvailability = () => getAvailability();

export default function AvailabilityPage() {
  usePageTitle('Availability');
  const [windows, setWindows] = useState<OnCallWindow[]>([]);
  const [paused, setPaused] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [status, setStatus] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // The form edits a copy of what was read, and of what a save answers.
  const fill = (value: Availability) => {
    setWindows(value.on_call.map((w) => ({ weekday: w.weekday, start: w.start, end: w.end })));
    setPaused(value.is_paused);
  };
  const availability = useLoad(loadAvailability, fill);
  const data = availability.data;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!data) return;
    setSaving(true);
    setErrors(NO_ERRORS);
    setStatus(null);
    try {
      const saved = await setAvailability(data.version, windows, paused);
      availability.set(saved);
      fill(saved);
      setStatus('Availability saved.');
    } catch (error) {
      setErrors(toFormErrors(error, { fields: ['on_call', 'is_paused'] }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <h1>Availability</h1>
      <FormError message={availability.error} />
      <StatusMessage message={status} />
      {data ? (
        <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
          <FormError message={errors.formError} />
          <p className="lead">
            Times are in the organisation’s time zone ({data.time_zone}). You are{' '}
            {data.is_on_call_now ? 'on call now' : 'off call now'}.
          </p>
          <label className="checkbox">
            <input type="checkbox" checked={paused} onChange={(event) => setPaused(event.target.checked)} />
            <span>Pause: take no new requests for now</span>
          </label>
          <WindowsEditor windows={windows} onChange={setWindows} error={errors.fieldErrors.on_call} />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save availability'}
            </button>
          </div>
        </form>
      ) : availability.loading ? (
        <p role="status">Loading your availability…</p>
      ) : null}
    </>
  );
}
