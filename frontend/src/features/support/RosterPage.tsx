import { useCallback, useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { PROFESSION_LABELS, type OnCallWindow, type Supporter } from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { createSupporter, listSupporters, updateSupporter } from './supportApi';
import { windowText } from './supportLogic';
import { WindowsEditor } from './WindowsEditor';
import './support.css';

const FIELDS = ['email', 'training_completed_on', 'training_expires_on', 'capacity', 'on_call'] as const;

export default function RosterPage() {
  usePageTitle('Supporter roster');
  const load = useCallback((cursor: string | null) => listSupporters(cursor), []);
  const list = useKeysetList<Supporter>(load);
  const idempotencyKey = useIdempotencyKey();
  const [email, setEmail] = useState('');
  const [trained, setTrained] = useState('');
  const [expires, setExpires] = useState('');
  const [capacity, setCapacity] = useState('3');
  const [windows, setWindows] = useState<OnCallWindow[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [status, setStatus] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const onAdd = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    setStatus(null);
    try {
      const added = await createSupporter(
        {
          email: email.trim(),
          is_active: true,
          capacity: Number(capacity),
          on_call: windows,
          ...(trained ? { training_completed_on: trained } : {}),
          ...(expires ? { training_expires_on: expires } : {}),
        },
        idempotencyKey.current(),
      );
      setStatus(`${added.display_name} joined the roster.`);
      setEmail('');
      setTrained('');
      setExpires('');
      setWindows([]);
      list.reload();
      idempotencyKey.renew();
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setSubmitting(false);
    }
  };

  const toggle = async (supporter: Supporter, field: 'is_active' | 'is_paused') => {
    setActionError(null);
    setStatus(null);
    try {
      const updated = await updateSupporter(supporter, { [field]: !supporter[field] });
      list.replace(updated);
      setStatus(`${updated.display_name} updated.`);
    } catch (error) {
      setActionError(toFormErrors(error).formError);
    }
  };

  return (
    <>
      <h1>Supporter roster</h1>
      <StatusMessage message={status} />
      <FormError message={actionError ?? list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading the roster…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>Nobody is on the roster yet.</p> : null}
      <ul className="card-list" aria-label="Supporters">
        {list.items.map((s) => (
          <li key={s.id} className="card">
            <div className="card__main">
              <h2 className="card__title">{s.display_name}</h2>
              <p className="card__meta">
                {s.professions.map((p) => PROFESSION_LABELS[p]).join(', ')} · {s.open_caseload} of {s.capacity} open
                {s.languages.length ? ` · ${s.languages.join(', ')}` : ''}
              </p>
              <p className="card__meta">
                Training {s.training_completed_on ?? 'not recorded'}
                {s.training_expires_on ? `, expires ${s.training_expires_on}` : ''}
                {!s.is_active ? ' · inactive' : ''}
                {s.is_paused ? ' · paused' : ''}
              </p>
              <p className="card__meta">{s.on_call.length ? s.on_call.map(windowText).join('; ') : 'No on-call windows'}</p>
            </div>
            <div className="card__actions">
              <button type="button" className="button button--secondary" onClick={() => void toggle(s, 'is_active')}>
                {s.is_active ? 'Deactivate' : 'Reactivate'}
                <span className="visually-hidden"> {s.display_name}</span>
              </button>
              <button type="button" className="button button--secondary" onClick={() => void toggle(s, 'is_paused')}>
                {s.is_paused ? 'Unpause' : 'Pause'}
                <span className="visually-hidden"> {s.display_name}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />

      <section className="panel section" aria-labelledby="add-heading">
        <h2 id="add-heading">Add a trained supporter</h2>
        <form className="form" onSubmit={(event) => void onAdd(event)} noValidate>
          <FormError message={errors.formError} />
          <TextField
            label="Work email"
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            hint="The person needs the peer supporter role (an administrator gives it)."
            error={errors.fieldErrors.email}
          />
          <TextField
            label="Training completed on"
            type="date"
            value={trained}
            onChange={(event) => setTrained(event.target.value)}
            error={errors.fieldErrors.training_completed_on}
          />
          <TextField
            label="Training expires on (optional)"
            type="date"
            value={expires}
            onChange={(event) => setExpires(event.target.value)}
            error={errors.fieldErrors.training_expires_on}
          />
          <TextField
            label="Most open requests at once"
            type="number"
            min={1}
            max={50}
            value={capacity}
            onChange={(event) => setCapacity(event.target.value)}
            error={errors.fieldErrors.capacity}
          />
          <WindowsEditor windows={windows} onChange={setWindows} error={errors.fieldErrors.on_call} />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={submitting}>
              Add to roster
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
