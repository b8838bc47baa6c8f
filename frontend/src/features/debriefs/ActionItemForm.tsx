import { useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { StrengthBadge, TextAreaField } from './components';
import {
  createDebriefAction,
  type ActionCategory,
  type ActionCategoryInfo,
  type ActionItem,
  type TeamMember,
} from './debriefsApi';
import { STRENGTHS, STRENGTH_LABELS } from './labels';

const FIELDS = ['description', 'owner_id', 'due_on', 'category', 'effectiveness_measure'] as const;

/** Add an action to a debrief: the kind of action is chosen, its strength follows. */
export function ActionItemForm({
  debriefId,
  people,
  categories,
  onCreated,
}: {
  debriefId: string;
  people: TeamMember[];
  categories: ActionCategoryInfo[];
  onCreated(item: ActionItem): void;
}) {
  const idempotencyKey = useIdempotencyKey();
  const [description, setDescription] = useState('');
  const [ownerId, setOwnerId] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [category, setCategory] = useState<ActionCategory | ''>('');
  const [measure, setMeasure] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const chosen = categories.find((c) => c.category === category);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      const created = await createDebriefAction(
        debriefId,
        {
          description: description.trim(),
          owner_id: ownerId,
          due_on: dueOn,
          category: category as ActionCategory,
          effectiveness_measure: measure.trim(),
        },
        idempotencyKey.current(),
      );
      idempotencyKey.renew();
      setDescription('');
      setCategory('');
      setMeasure('');
      onCreated(created);
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="form panel" aria-label="Add an action" onSubmit={(event) => void onSubmit(event)} noValidate>
      <h3>Add an action</h3>
      <FormError message={errors.formError} />
      <TextAreaField
        label="What will change"
        name="description"
        rows={2}
        maxLength={2000}
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={errors.fieldErrors.description}
      />
      <div className="field">
        <label htmlFor={`category-${debriefId}`}>Kind of action</label>
        <p className="field__hint" id={`category-hint-${debriefId}`}>
          The strength follows from the kind of action (RCA² hierarchy).
        </p>
        <select
          id={`category-${debriefId}`}
          name="category"
          aria-describedby={`category-hint-${debriefId}`}
          aria-invalid={errors.fieldErrors.category ? true : undefined}
          value={category}
          onChange={(event) => setCategory(event.target.value as ActionCategory | '')}
        >
          <option value="">Choose the kind of action…</option>
          {STRENGTHS.map((strength) => (
            <optgroup key={strength} label={STRENGTH_LABELS[strength]}>
              {categories
                .filter((c) => c.strength === strength)
                .map((c) => (
                  <option key={c.category} value={c.category}>
                    {c.label}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
        {errors.fieldErrors.category ? <p className="field__error">{errors.fieldErrors.category}</p> : null}
        <p className="strength-preview" aria-live="polite">
          {chosen ? (
            <>
              This is a <StrengthBadge strength={chosen.strength} />. Example: {chosen.example}
            </>
          ) : null}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`owner-${debriefId}`}>Owner</label>
        <select
          id={`owner-${debriefId}`}
          name="owner_id"
          value={ownerId}
          aria-invalid={errors.fieldErrors.owner_id ? true : undefined}
          onChange={(event) => setOwnerId(event.target.value)}
        >
          <option value="">Choose the owner…</option>
          {people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.display_name}
            </option>
          ))}
        </select>
        {errors.fieldErrors.owner_id ? <p className="field__error">{errors.fieldErrors.owner_id}</p> : null}
      </div>
      <TextField
        label="Due date"
        type="date"
        name="due_on"
        value={dueOn}
        onChange={(event) => setDueOn(event.target.value)}
        error={errors.fieldErrors.due_on}
      />
      <TextAreaField
        label="How we will know it worked"
        name="effectiveness_measure"
        rows={2}
        maxLength={1000}
        value={measure}
        onChange={(event) => setMeasure(event.target.value)}
        error={errors.fieldErrors.effectiveness_measure}
      />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={submitting}>
          {submitting ? 'Adding…' : 'Add action'}
        </button>
      </div>
    </form>
  );
}
