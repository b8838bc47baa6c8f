import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import {
  CONTACT_CHANNEL_LABELS,
  CONTACT_CHANNELS,
  PROFESSION_LABELS,
  PROFESSIONS,
  URGENCIES,
  URGENCY_LABELS,
  type ContactChannel,
  type Profession,
  type SupportRequestCreate,
  type SupportRequestCreated,
  type Urgency,
} from '../../api/types';
import { FormError } from '../../components/FormError';
import { RadioGroup } from '../../components/RadioGroup';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { usePageTitle } from '../../hooks/usePageTitle';
import { CrisisResources } from './CrisisResources';
import { createRequest } from './supportApi';
import { durationText } from './supportLogic';
import './support.css';

const FIELDS = [
  'kind',
  'tier',
  'referred_email',
  'urgency',
  'contact_channel',
  'contact_details',
  'preferred_times',
  'preferred_profession',
  'preferred_language',
  'not_own_department',
] as const;

export const WHO_SEES_IT =
  'Only you, the peer supporter assigned to you and, for its status and timing (never what you say), ' +
  'the support coordinator. Your manager, investigators and the safety team never see it. ' +
  'It is not linked to any report.';

export default function GetSupportPage() {
  usePageTitle('Get support');
  const idempotencyKey = useIdempotencyKey();
  const [forWhom, setForWhom] = useState<'for_self' | 'referral'>('for_self');
  const [email, setEmail] = useState('');
  const [urgency, setUrgency] = useState<Urgency>('soon');
  const [channel, setChannel] = useState<ContactChannel | ''>('');
  const [contact, setContact] = useState('');
  const [times, setTimes] = useState('');
  const [profession, setProfession] = useState<Profession | ''>('');
  const [language, setLanguage] = useState('');
  const [otherDepartment, setOtherDepartment] = useState(false);
  const [tier, setTier] = useState('2');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [created, setCreated] = useState<SupportRequestCreated | null>(null);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    const body: SupportRequestCreate = {
      kind: forWhom,
      urgency,
      tier: Number(tier),
      ...(forWhom === 'referral' ? { referred_email: email.trim() } : {}),
      ...(channel ? { contact_channel: channel } : {}),
      ...(contact.trim() ? { contact_details: contact.trim() } : {}),
      ...(times.trim() ? { preferred_times: times.trim() } : {}),
      ...(profession ? { preferred_profession: profession } : {}),
      ...(language.trim() ? { preferred_language: language.trim() } : {}),
      not_own_department: otherDepartment,
    };
    try {
      setCreated(await createRequest(body, idempotencyKey.current()));
      idempotencyKey.renew();
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setSubmitting(false);
    }
  };

  if (created) {
    const minutes = (new Date(created.due_at).getTime() - Date.now()) / 60_000;
    return (
      <>
        <h1>Your request is with us</h1>
        {created.crisis_resources.length > 0 ? <CrisisResources urgent resources={created.crisis_resources} /> : null}
        <div className="alert alert--success" role="status">
          {created.kind === 'referral' ? (
            <p>Thank you for looking out for your colleague. A trained peer supporter will reach out to them.</p>
          ) : (
            <p>
              A trained peer supporter will contact you{' '}
              {created.status === 'assigned' ? 'soon' : 'as soon as one is free'}: our aim is within{' '}
              {durationText(Math.max(minutes, 0))}.
            </p>
          )}
        </div>
        <p>
          <strong>Who sees it:</strong> {created.who_sees_it}
        </p>
        {created.kind === 'for_self' ? (
          <p>
            <Link to="/support/mine">See your requests</Link>
          </p>
        ) : null}
      </>
    );
  }

  return (
    <>
      <h1>Get support</h1>
      <p className="lead">
        After a difficult event, talking with a trained colleague helps. Asking is confidential and takes a minute.
      </p>
      {urgency === 'urgent' ? <CrisisResources urgent /> : <CrisisResources />}
      <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <FormError message={errors.formError} />
        <RadioGroup
          legend="Who is this for?"
          name="kind"
          value={forWhom}
          onChange={(value) => setForWhom(value as 'for_self' | 'referral')}
          options={[
            { value: 'for_self', label: 'Me' },
            { value: 'referral', label: 'A colleague I am worried about' },
          ]}
          error={errors.fieldErrors.kind}
        />
        {forWhom === 'referral' ? (
          <TextField
            label="Your colleague's work email"
            type="email"
            inputMode="email"
            autoComplete="off"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            hint="A supporter will offer them support; they decide whether to take it."
            error={errors.fieldErrors.referred_email}
          />
        ) : null}
        <RadioGroup
          legend="How soon?"
          name="urgency"
          value={urgency}
          onChange={(value) => setUrgency(value as Urgency)}
          options={URGENCIES.map((u) => ({ value: u, label: URGENCY_LABELS[u] }))}
          error={errors.fieldErrors.urgency}
        />
        <SelectField
          label="How should we reach you?"
          value={channel}
          onChange={(event) => setChannel(event.target.value as ContactChannel | '')}
          options={[
            { value: '', label: 'Any way' },
            ...CONTACT_CHANNELS.map((c) => ({ value: c, label: CONTACT_CHANNEL_LABELS[c] })),
          ]}
          error={errors.fieldErrors.contact_channel}
        />
        <TextField
          label="Phone number or other contact (optional)"
          maxLength={200}
          autoComplete="tel"
          value={contact}
          onChange={(event) => setContact(event.target.value)}
          error={errors.fieldErrors.contact_details}
        />
        <TextField
          label="Good times to reach you (optional)"
          maxLength={200}
          hint="For example: after my night shift, weekday mornings."
          value={times}
          onChange={(event) => setTimes(event.target.value)}
          error={errors.fieldErrors.preferred_times}
        />
        <details className="panel">
          <summary>Preferences (optional)</summary>
          <div className="form form--nested">
            <SelectField
              label="What kind of support"
              value={tier}
              onChange={(event) => setTier(event.target.value)}
              options={[
                { value: '2', label: 'A trained peer supporter (usual)' },
                { value: '1', label: 'A colleague nearby, informally' },
                { value: '3', label: 'Professional help (psychology, chaplaincy, assistance)' },
              ]}
              error={errors.fieldErrors.tier}
            />
            <SelectField
              label="A supporter who is a"
              value={profession}
              onChange={(event) => setProfession(event.target.value as Profession | '')}
              options={[
                { value: '', label: 'No preference' },
                ...PROFESSIONS.map((p) => ({ value: p, label: PROFESSION_LABELS[p] })),
              ]}
              error={errors.fieldErrors.preferred_profession}
            />
            <TextField
              label="Language (optional)"
              hint="For example en, pl or fr."
              maxLength={35}
              value={language}
              onChange={(event) => setLanguage(event.target.value)}
              error={errors.fieldErrors.preferred_language}
            />
            <label className="checkbox">
              <input
                type="checkbox"
                checked={otherDepartment}
                onChange={(event) => setOtherDepartment(event.target.checked)}
              />
              <span>Someone from outside my department</span>
            </label>
          </div>
        </details>
        <p className="alert alert--info">
          <strong>Who will see this:</strong> {WHO_SEES_IT}
        </p>
        <div className="form__actions">
          <button type="submit" className="button button--primary button--block" disabled={submitting}>
            {submitting ? 'Sending…' : 'Ask for support'}
          </button>
        </div>
      </form>
    </>
  );
}
