import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import type { OnCallWindow } from '../../api/types';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { usePageTitle } from '../../hooks/usePageTitle';
import { getAvailability, setAvailability } from './supportApi';
import { useLoad } from './useLoad';
import { WindowsEditor } from './WindowsEditor';

export default function AvailabilityPage() {
  usePageTitle('Availability');
  const availability = useLoad(useCallback(() => getAvailability(), []));
  const [windows, setWindows] = useState<OnCallWindow[]>([]);
  const [paused, setPaused] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [status, setStatus] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const data = availability.data;

  useEffect(() => {
    if (data) {
      setWindows(data.on_call.map((w) => ({ weekday: w.weekday, start: w.start, end: w.end })));
      setPaused(data.is_paused);
    }
  }, [data]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!data) return;
    setSaving(true);
    setErrors(NO_ERRORS);
    setStatus(null);
    try {
      availability.set(await setAvailability(data.version, windows, paused));
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
