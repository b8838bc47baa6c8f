import { useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import {
  ENCOUNTER_CHANNEL_LABELS,
  ENCOUNTER_CHANNELS,
  ENCOUNTER_OUTCOMES,
  OUTCOME_LABELS,
  type EncounterChannel,
  type EncounterOutcome,
} from '../../api/types';
import { FormError } from '../../components/FormError';
import { RadioGroup } from '../../components/RadioGroup';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { logEncounter } from './supportApi';
import { fromLocalInput, toLocalInput } from './supportLogic';
import './support.css';

const FIELDS = ['occurred_at', 'minutes', 'channel', 'tier', 'outcome', 'safety_exception', 'private_note'] as const;

interface EncounterFormProps {
  requestId: string;
  tier: number;
  notesEnabled: boolean;
  onLogged(): void;
}

/** Log an encounter in under a minute on a phone: sensible defaults, nothing about the event. */
export function EncounterForm({ requestId, tier, notesEnabled, onLogged }: EncounterFormProps) {
  const idempotencyKey = useIdempotencyKey();
  const [when, setWhen] = useState(() => toLocalInput(new Date()));
  const [minutes, setMinutes] = useState('20');
  const [channel, setChannel] = useState<EncounterChannel>('phone');
  const [encounterTier, setEncounterTier] = useState(String(Math.min(tier, 3)));
  const [outcome, setOutcome] = useState<EncounterOutcome>('follow_up');
  const [safety, setSafety] = useState(false);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const occurredAt = fromLocalInput(when);
    if (occurredAt === null) {
      setErrors({ formError: 'Please correct the highlighted fields.', fieldErrors: { occurred_at: 'Give a date and time.' } });
      return;
    }
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await logEncounter(
        requestId,
        {
          occurred_at: occurredAt,
          minutes: Number(minutes),
          channel,
          tier: Number(encounterTier),
          outcome,
          safety_exception: safety,
          ...(notesEnabled && note.trim() ? { private_note: note.trim() } : {}),
        },
        idempotencyKey.current(),
      );
      idempotencyKey.renew();
      setNote('');
      setSafety(false);
      onLogged();
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate aria-label="Log an encounter">
      <FormError message={errors.formError} />
      <p className="field__hint">What happened in the event is not recorded here: it belongs to the report’s review.</p>
      <TextField
        label="When"
        type="datetime-local"
        value={when}
        onChange={(event) => setWhen(event.target.value)}
        error={errors.fieldErrors.occurred_at}
      />
      <TextField
        label="Minutes"
        type="number"
        inputMode="numeric"
        min={1}
        max={600}
        value={minutes}
        onChange={(event) => setMinutes(event.target.value)}
        error={errors.fieldErrors.minutes}
      />
      <RadioGroup
        legend="How"
        name="channel"
        value={channel}
        onChange={(value) => setChannel(value as EncounterChannel)}
        options={ENCOUNTER_CHANNELS.map((c) => ({ value: c, label: ENCOUNTER_CHANNEL_LABELS[c] }))}
        error={errors.fieldErrors.channel}
      />
      <SelectField
        label="Tier"
        value={encounterTier}
        onChange={(event) => setEncounterTier(event.target.value)}
        options={[
          { value: '1', label: '1: local, emotional first aid' },
          { value: '2', label: '2: trained peer supporter' },
          { value: '3', label: '3: professional help' },
        ]}
        error={errors.fieldErrors.tier}
      />
      <RadioGroup
        legend="Outcome"
        name="outcome"
        value={outcome}
        onChange={(value) => setOutcome(value as EncounterOutcome)}
        options={ENCOUNTER_OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] }))}
        hint="Follow up schedules check-ins (next day, a week, a month)."
        error={errors.fieldErrors.outcome}
      />
      <label className="checkbox checkbox--warning">
        <input type="checkbox" checked={safety} onChange={(event) => setSafety(event.target.checked)} />
        <span>Risk to self or others: alert the coordinator and the emergency pathway now</span>
      </label>
      {notesEnabled ? (
        <div className={errors.fieldErrors.private_note ? 'field field--invalid' : 'field'}>
          <label htmlFor={`note-${requestId}`}>Private note (optional)</label>
          <p className="field__hint" id={`note-hint-${requestId}`}>
            Encrypted, readable by you alone, deleted after 30 days. Leading programs keep none.
          </p>
          <textarea
            id={`note-${requestId}`}
            aria-describedby={`note-hint-${requestId}`}
            maxLength={2000}
            rows={3}
            value={note}
            onChange={(event) => setNote(event.target.value)}
          />
          {errors.fieldErrors.private_note ? <p className="field__error">{errors.fieldErrors.private_note}</p> : null}
        </div>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary button--block" disabled={submitting}>
          {submitting ? 'Saving…' : 'Log encounter'}
        </button>
      </div>
    </form>
  );
}
