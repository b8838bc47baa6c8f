import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useDepartments } from '../org/useDepartments';
import { HierarchyExplainer, StrengthBadge, TextAreaField, useCategories } from './components';
import { getActionItem, updateActionItem, type ActionStatus } from './debriefsApi';
import { ACTION_STATUS_LABELS, STRENGTH_EXPLAINED } from './labels';
import { formatDay } from './record';

const MOVE_LABELS: Record<ActionStatus, string> = {
  open: 'Reopen',
  in_progress: 'Start work',
  done: 'Mark as done',
  verified: 'Mark as verified',
};

export default function ActionItemPage() {
  const { actionItemId = '' } = useParams();
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [message, setMessage] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [busy, setBusy] = useState(false);
  const departments = useDepartments();
  const { categories } = useCategories();
  const loaded = useLoad(
    useCallback(() => getActionItem(actionItemId), [actionItemId]),
    (found) => setDueOn(found.due_on),
  );
  const item = loaded.data;
  usePageTitle(item ? 'Action item' : 'Action item');

  if (!item) return loaded.error ? <FormError message={loaded.error} /> : <p role="status">Loading…</p>;
  const category = categories.find((c) => c.category === item.category);

  const change = async (body: Parameters<typeof updateActionItem>[1], done: string) => {
    setBusy(true);
    setErrors(NO_ERRORS);
    setMessage(null);
    try {
      const updated = await updateActionItem(item, body);
      loaded.set(updated);
      setDueOn(updated.due_on);
      setNote('');
      setMessage(done);
    } catch (error) {
      setErrors(toFormErrors(error, { fields: ['verification_note', 'due_on', 'status'] }));
      if (error instanceof ApiError && error.status === 412) loaded.set(await getActionItem(item.id));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="breadcrumb">
        {item.debrief_id ? <Link to={`/debriefs/${item.debrief_id}`}>The debrief</Link> : <Link to="/action-items/mine">My action items</Link>}
      </p>
      <h1>{item.description}</h1>
      <p>
        <StrengthBadge strength={item.strength} /> <span className="badge badge--muted">{ACTION_STATUS_LABELS[item.status]}</span>{' '}
        {item.is_overdue ? <span className="badge badge--overdue">Overdue</span> : null}
      </p>
      <p className="field__hint">
        {category ? `${category.label}. ` : ''}
        {STRENGTH_EXPLAINED[item.strength]}
      </p>
      <StatusMessage message={message} />
      <FormError message={errors.formError} />
      <dl className="details">
        <div>
          <dt>Owner</dt>
          <dd>{item.owner.display_name}</dd>
        </div>
        <div>
          <dt>Due</dt>
          <dd>{formatDay(item.due_on)}</dd>
        </div>
        <div>
          <dt>Department</dt>
          <dd>{departments.byId.get(item.department_id)?.name ?? 'Department'}</dd>
        </div>
        <div>
          <dt>How we will know it worked</dt>
          <dd>{item.effectiveness_measure}</dd>
        </div>
        {item.verification_note ? (
          <div>
            <dt>How effectiveness was checked</dt>
            <dd>{item.verification_note}</dd>
          </div>
        ) : null}
      </dl>

      {item.allowed_statuses.length > 0 ? (
        <section className="panel" aria-labelledby="move-heading">
          <h2 id="move-heading">Move it along</h2>
          {item.allowed_statuses.includes('verified') ? (
            <TextAreaField
              label="How effectiveness was checked"
              hint="Needed to mark the action verified."
              rows={3}
              maxLength={2000}
              value={note}
              onChange={(event) => setNote(event.target.value)}
              error={errors.fieldErrors.verification_note}
            />
          ) : null}
          <div className="form__actions">
            {item.allowed_statuses.map((to) => (
              <button
                key={to}
                type="button"
                className={to === 'verified' || to === 'done' ? 'button button--primary' : 'button button--secondary'}
                disabled={busy}
                onClick={() =>
                  void change(
                    to === 'verified' ? { status: to, verification_note: note.trim() || null } : { status: to },
                    `Now ${ACTION_STATUS_LABELS[to].toLowerCase()}.`,
                  )
                }
              >
                {MOVE_LABELS[to]}
              </button>
            ))}
          </div>
        </section>
      ) : null}

      {item.can_manage && (item.status === 'open' || item.status === 'in_progress') ? (
        <section className="panel" aria-labelledby="due-heading">
          <h2 id="due-heading">Change the due date</h2>
          <TextField label="Due date" type="date" value={dueOn} onChange={(event) => setDueOn(event.target.value)} error={errors.fieldErrors.due_on} />
          <button type="button" className="button button--secondary" disabled={busy || dueOn === item.due_on} onClick={() => void change({ due_on: dueOn }, 'Due date changed.')}>
            Save the due date
          </button>
        </section>
      ) : null}
      <HierarchyExplainer categories={categories} />
    </>
  );
}
