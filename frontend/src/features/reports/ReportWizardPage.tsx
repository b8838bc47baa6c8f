import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, underLoadMessage, type FormErrors } from '../../api/problem';
import {
  CATEGORIES,
  CONTRIBUTING_FACTORS,
  REPORT_KINDS,
  REPORT_MODES,
  SHIFTS,
  type AnonymousReportCreated,
  type Category,
  type ContributingFactor,
  type ReportCreated,
} from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { FormError } from '../../components/FormError';
import { SecretReveal } from '../../components/SecretReveal';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import type { FlashState } from '../../hooks/useFlash';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useQuietFlow } from '../../hooks/useQuietFlow';
import { useAuth } from '../auth/useAuth';
import { listAllDepartments } from '../org/orgApi';
import { getAnonymousForm, submitAnonymousReport } from './anonymousApi';
import {
  discardDraft,
  emptyDraft,
  isBlank,
  loadDraft,
  saveDraft,
  toAnonymousCreate,
  toReportCreate,
  type ReportDraft,
} from './draft';
import { RadioGroup, TextAreaField } from './fields';
import { CATEGORY, FACTOR, HARM, KIND, MODE, NCC_MERP_TEXT, SHIFT } from './labels';
import { detectPhi } from './phi';
import { getOrganisation, listSubcategories, submitReport } from './reportsApi';
import { harmsFor, nccMerpFor } from './rules';
import { SupportOfferNotice } from './SupportOfferNotice';
import { ALL_FIELDS, firstStepWithError, LAST_STEP, localIsoDate, STEPS, validateStep } from './wizard';

type Result = { mode: 'identified'; created: ReportCreated } | { mode: 'anonymous'; created: AnonymousReportCreated };

const REPORT_BUSY = 'Haven is busy right now. Your report is not lost: it is still here. Try sending it again in a moment.';

/** What the form offers: from the signed-in API, or (anonymous only) from the quiet anonymous path. */
interface FormData {
  departments: { id: string; name: string; is_active: boolean }[];
  subcategories: { category: Category; name: string }[];
  allowWithoutAccount: boolean;
}

async function signedInFormData(): Promise<FormData> {
  const [org, subs, departments] = await Promise.all([getOrganisation(), listSubcategories(), listAllDepartments()]);
  return {
    departments,
    subcategories: subs.filter((s) => s.is_active),
    allowWithoutAccount: org.allow_anonymous_without_account,
  };
}

async function anonymousFormData(): Promise<FormData> {
  const form = await getAnonymousForm();
  return {
    departments: form.departments.map((d) => ({ ...d, is_active: true })),
    subcategories: form.subcategories,
    allowWithoutAccount: form.allow_without_account,
  };
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * The report wizard. `anonymousOnly` is the anonymous flow (its own page, open signed in or
 * not): the report can only be anonymous, the form's data come from the quiet anonymous path,
 * nothing is kept in browser storage, and the app's signed-in client stays quiet while the
 * page is shown. In the ordinary wizard, choosing "Anonymous" quiets the client too.
 */
export default function ReportWizardPage({ anonymousOnly = false }: { anonymousOnly?: boolean }) {
  usePageTitle(anonymousOnly ? 'Report anonymously' : 'Report an event');
  const { me } = useAuth();
  const userId = me?.id ?? 'unknown';
  const today = localIsoDate(new Date());
  const idempotencyKey = useIdempotencyKey();
  // An anonymous report is kept nowhere in this browser, not even as a draft.
  const store = useCallback(() => (anonymousOnly ? null : storage()), [anonymousOnly]);
  const blank = useCallback(
    () =>
      anonymousOnly ? { ...emptyDraft(today, null), mode: 'anonymous' as const } : emptyDraft(today, me?.department_id ?? null),
    [anonymousOnly, today, me?.department_id],
  );

  const [initial] = useState(() => {
    const saved = store() ? loadDraft(store()!, userId) : null;
    return { draft: saved ?? blank(), restored: saved !== null };
  });
  const [draft, setDraft] = useState<ReportDraft>(initial.draft);
  const [restored, setRestored] = useState(initial.restored);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  useQuietFlow(anonymousOnly || draft.mode === 'anonymous' || result?.mode === 'anonymous');
  // After the quiet flow's hold, so a signed-in read waits while an anonymous report is open.
  const setup = useLoad(useCallback(() => (anonymousOnly ? anonymousFormData() : signedInFormData()), [anonymousOnly]));
  const formData = setup.data;
  const setupError = setup.error;
  // Saving stops for good once a report is sent, and while an anonymous one is on its way.
  const persist = useRef(true);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    const kept = store();
    if (persist.current && kept) saveDraft(kept, userId, draft);
  }, [draft, userId, store]);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    stepHeading.current?.focus();
  }, [draft.step]);

  const set = useCallback(<K extends keyof ReportDraft>(key: K, value: ReportDraft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
  }, []);

  const goTo = (step: number) => {
    setErrors(NO_ERRORS);
    setDraft((d) => ({ ...d, step }));
  };

  const next = () => {
    const fieldErrors = validateStep(draft.step, draft, today);
    if (Object.keys(fieldErrors).length > 0) {
      setErrors({ formError: 'Please answer the highlighted questions.', fieldErrors });
      return;
    }
    goTo(Math.min(draft.step + 1, LAST_STEP));
  };

  const discard = () => {
    const kept = store();
    if (kept) discardDraft(kept, userId);
    setDraft(blank());
    setRestored(false);
    setErrors(NO_ERRORS);
  };

  const send = async () => {
    for (let step = 0; step <= LAST_STEP; step++) {
      const fieldErrors = validateStep(step, draft, today);
      if (Object.keys(fieldErrors).length > 0) {
        setErrors({ formError: 'Please answer the highlighted questions.', fieldErrors });
        setDraft((d) => ({ ...d, step }));
        return;
      }
    }
    setSubmitting(true);
    setErrors(NO_ERRORS);
    const kept = store();
    try {
      if (draft.mode === 'anonymous') {
        // Nothing of an anonymous report may stay in this browser: the draft goes first.
        persist.current = false;
        if (kept) discardDraft(kept, userId);
        const created = await submitAnonymousReport(toAnonymousCreate(draft), {
          withoutAccount: formData?.allowWithoutAccount ?? false,
        });
        setDraft(emptyDraft(today, null));
        setResult({ mode: 'anonymous', created });
      } else {
        const created = await submitReport(toReportCreate(draft), idempotencyKey.current());
        persist.current = false;
        if (kept) discardDraft(kept, userId);
        setDraft(emptyDraft(today, null));
        setResult({ mode: 'identified', created });
      }
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      if (!persist.current) {
        // Not sent: keep the draft again so nothing is lost.
        persist.current = true;
        if (kept) saveDraft(kept, userId, draft);
      }
      const formErrors = toFormErrors(error, { fields: ALL_FIELDS });
      // Refused under load (429, 503): calm words, and everything typed stays on the form.
      formErrors.formError = underLoadMessage(error, REPORT_BUSY) ?? formErrors.formError;
      setErrors(formErrors);
      const step = firstStepWithError(formErrors.fieldErrors);
      if (step !== null && step !== draft.step) setDraft((d) => ({ ...d, step }));
    } finally {
      setSubmitting(false);
    }
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (draft.step < LAST_STEP) next();
    else void send();
  };

  if (result?.mode === 'anonymous') return <AnonymousReceipt created={result.created} />;
  if (result?.mode === 'identified') return <ReportSent created={result.created} />;

  const stepTitle = (index: number) => (anonymousOnly && index === LAST_STEP ? 'Check and send' : STEPS[index]!.title);
  const fe = errors.fieldErrors;
  const departments = formData?.departments ?? [];
  return (
    <>
      <h1>{anonymousOnly ? 'Report anonymously' : 'Report an event'}</h1>
      <p className="lead">
        {anonymousOnly
          ? 'Errors, near misses, unsafe conditions and things that went well, without your name: nothing that identifies you is stored with the report, and this page is not recorded in the server’s logs.'
          : 'Errors, near misses, unsafe conditions and things that went well: every report helps fix the system. You decide at the end whether your name goes with it.'}
      </p>
      {restored ? (
        <div className="alert alert--info" role="status">
          <p>We kept the report you had not sent yet. Carry on where you stopped, or start again.</p>
          <button type="button" className="button button--secondary" onClick={discard}>
            Discard it and start again
          </button>
        </div>
      ) : null}
      <ol className="steps" aria-label="Steps">
        {STEPS.map((s, index) => (
          <li
            key={s.title}
            className={index === draft.step ? 'steps__item steps__item--current' : 'steps__item'}
            aria-current={index === draft.step ? 'step' : undefined}
          >
            <span className="visually-hidden">
              {index < draft.step ? 'Done: ' : index === draft.step ? 'Current: ' : 'To do: '}
            </span>
            {stepTitle(index)}
          </li>
        ))}
      </ol>
      <form className="form wizard" onSubmit={onSubmit} noValidate aria-labelledby="wizard-step-title">
        <h2 id="wizard-step-title" ref={stepHeading} tabIndex={-1}>
          <span className="wizard__count">
            Step {draft.step + 1} of {STEPS.length}
          </span>{' '}
          {stepTitle(draft.step)}
        </h2>
        <FormError message={errors.formError ?? setupError} />
        {draft.step === 0 ? (
          <WhatStep draft={draft} set={set} errors={fe} subcategories={formData?.subcategories ?? []} />
        ) : null}
        {draft.step === 1 ? (
          <WhereStep
            draft={draft}
            set={set}
            errors={fe}
            today={today}
            departments={departments.filter((d) => d.is_active || d.id === draft.departmentId)}
            loading={formData === null && setupError === null}
          />
        ) : null}
        {draft.step === 2 ? <HarmStep draft={draft} set={set} errors={fe} /> : null}
        {draft.step === 3 ? (
          <CheckboxGroup
            legend="What do you think contributed?"
            name="contributing_factors"
            hint="Tick any that apply, or none. This is about the system and circumstances, not about blaming anyone."
            options={CONTRIBUTING_FACTORS.map((f) => ({ value: f, label: `${FACTOR[f].label}: ${FACTOR[f].hint}` }))}
            values={draft.factors}
            onChange={(values) => set('factors', values as ContributingFactor[])}
            error={fe.contributing_factors}
          />
        ) : null}
        {draft.step === 4 ? (
          <ModeStep
            draft={draft}
            set={set}
            errors={fe}
            allowWithoutAccount={formData?.allowWithoutAccount ?? null}
            anonymousOnly={anonymousOnly}
          />
        ) : null}
        <div className="form__actions wizard__actions">
          {draft.step > 0 ? (
            <button type="button" className="button button--secondary" onClick={() => goTo(draft.step - 1)}>
              Back
            </button>
          ) : null}
          <button type="submit" className="button button--primary" disabled={submitting}>
            {draft.step < LAST_STEP ? 'Next' : submitting ? 'Sending…' : 'Send report'}
          </button>
        </div>
        <p className="field__hint">
          {anonymousOnly
            ? 'Nothing is sent until the last step, and nothing is kept on this device: leaving the page discards your answers.'
            : isBlank(draft)
              ? 'Nothing is sent until the last step.'
              : 'Nothing is sent until the last step. Until then your answers are kept on this device only, for three days, and removed when you sign out.'}
        </p>
      </form>
    </>
  );
}

interface StepProps {
  draft: ReportDraft;
  set<K extends keyof ReportDraft>(key: K, value: ReportDraft[K]): void;
  errors: Record<string, string>;
}

function WhatStep({
  draft,
  set,
  errors,
  subcategories,
}: StepProps & { subcategories: { category: Category; name: string }[] }) {
  const subs = subcategories.filter((s) => s.category === draft.category);
  return (
    <>
      <RadioGroup
        legend="What kind of event was it?"
        name="kind"
        choices={REPORT_KINDS.map((k) => ({ value: k, label: KIND[k].label, hint: KIND[k].hint }))}
        value={draft.kind}
        onChange={(value) => set('kind', value)}
        error={errors.kind}
      />
      <SelectField
        label="Category"
        name="category"
        value={draft.category}
        onChange={(event) => {
          set('category', event.target.value as Category | '');
          set('subcategory', '');
        }}
        error={errors.category}
        options={[{ value: '', label: 'Choose…' }, ...CATEGORIES.map((c) => ({ value: c, label: CATEGORY[c] }))]}
      />
      {subs.length > 0 ? (
        <SelectField
          label="Subcategory (optional)"
          name="subcategory"
          value={draft.subcategory}
          onChange={(event) => set('subcategory', event.target.value)}
          error={errors.subcategory}
          options={[{ value: '', label: 'None of these' }, ...subs.map((s) => ({ value: s.name, label: s.name }))]}
        />
      ) : null}
      <TextAreaField
        label="What happened?"
        name="description"
        hint="In your own words: what happened, in what order. Leave out names and patient details."
        value={draft.description}
        maxLength={10_000}
        checkPhi
        onChange={(event) => set('description', event.target.value)}
        error={errors.description}
      />
      <TextAreaField
        label="What was done straight away? (optional)"
        name="immediate_actions"
        value={draft.immediateActions}
        maxLength={10_000}
        rows={3}
        checkPhi
        onChange={(event) => set('immediateActions', event.target.value)}
        error={errors.immediate_actions}
      />
    </>
  );
}

function WhereStep({
  draft,
  set,
  errors,
  today,
  departments,
  loading,
}: StepProps & { today: string; departments: { id: string; name: string }[]; loading: boolean }) {
  return (
    <>
      <SelectField
        label="Department"
        name="department_id"
        value={draft.departmentId}
        onChange={(event) => set('departmentId', event.target.value)}
        error={errors.department_id}
        hint="Where it happened (not necessarily your own department)."
        options={[
          { value: '', label: loading ? 'Loading departments…' : 'Choose…' },
          ...departments.map((d) => ({ value: d.id, label: d.name })),
        ]}
      />
      <TextField
        label="Where exactly? (optional)"
        name="location"
        hint="For example: medication room, bay 3, corridor by the lifts."
        value={draft.location}
        maxLength={200}
        onChange={(event) => set('location', event.target.value)}
        error={errors.location}
      />
      <TextField
        label="Date it happened"
        name="occurred_on"
        type="date"
        max={today}
        required
        value={draft.occurredOn}
        onChange={(event) => set('occurredOn', event.target.value)}
        error={errors.occurred_on}
      />
      <RadioGroup
        legend="Shift (optional)"
        name="shift"
        compact
        choices={SHIFTS.map((s) => ({ value: s, label: SHIFT[s] }))}
        value={draft.shift}
        onChange={(value) => set('shift', value)}
        error={errors.shift}
      />
    </>
  );
}

function HarmStep({ draft, set, errors }: StepProps) {
  const harms = harmsFor(draft.kind);
  const ncc = nccMerpFor(draft.kind);
  return (
    <>
      <RadioGroup
        legend="Was the patient harmed?"
        name="harm"
        hint={
          harms.length < 6
            ? 'This kind of event did not reach a patient, so there was no harm to rate.'
            : 'Your best judgement now; the safety team can correct it later.'
        }
        choices={harms.map((h) => ({ value: h, label: HARM[h].label, hint: HARM[h].hint }))}
        value={draft.harm}
        onChange={(value) => set('harm', value)}
        error={errors.harm}
      />
      {draft.category === 'medication' ? (
        <RadioGroup
          legend="Medication error category (NCC MERP)"
          name="ncc_merp"
          hint="Medication events use this standard scale. Pick the letter whose description fits best."
          choices={ncc.map((c) => ({ value: c, label: NCC_MERP_TEXT[c].label, hint: NCC_MERP_TEXT[c].hint }))}
          value={draft.nccMerp}
          onChange={(value) => set('nccMerp', value)}
          error={errors.ncc_merp}
        />
      ) : null}
    </>
  );
}

function ModeStep({
  draft,
  set,
  errors,
  allowWithoutAccount,
  anonymousOnly,
}: StepProps & { allowWithoutAccount: boolean | null; anonymousOnly: boolean }) {
  const phi = useMemo(
    () => [...detectPhi(draft.description), ...detectPhi(draft.immediateActions)],
    [draft.description, draft.immediateActions],
  );
  return (
    <>
      {anonymousOnly ? null : (
        <RadioGroup
          legend="How do you want to be known?"
          name="mode"
          choices={REPORT_MODES.map((m) => ({ value: m, label: MODE[m].label, hint: MODE[m].hint }))}
          value={draft.mode}
          onChange={(value) => set('mode', value)}
          error={errors.mode}
        />
      )}
      {draft.mode === 'anonymous' ? (
        <div className="alert alert--info">
          <p>
            {allowWithoutAccount
              ? 'Your report is sent without your sign-in: nothing in the request says who you are.'
              : 'Your organisation asks you to be signed in to report anonymously. Haven checks that you are signed in, then forgets it: your identity is not stored with the report.'}
          </p>
          <p>What you wrote can still point to you (your role, a detail only you knew). Read it once more with that in mind.</p>
        </div>
      ) : null}
      {phi.length > 0 ? (
        <div className="phi-warning" role="alert">
          <p className="phi-warning__title">Your description may identify a patient.</p>
          <p>
            Something you wrote looks like a medical record number or a date of birth. Please go back to “What
            happened” and remove it before sending.
          </p>
          <button type="button" className="button button--secondary" onClick={() => set('step', 0)}>
            Edit what happened
          </button>
        </div>
      ) : null}
    </>
  );
}

function ReportSent({ created }: { created: ReportCreated }) {
  usePageTitle('Report sent');
  return (
    <>
      <h1>Report sent</h1>
      <div className="alert alert--success" role="status">
        <p>Thank you. The safety team will look at it; you can follow it under “My reports”.</p>
      </div>
      <SupportOfferNotice support={created.support} />
      <div className="form__actions">
        <Link to="/reports/mine" className="button button--primary">
          My reports
        </Link>
        <Link to="/lessons" className="button button--secondary">
          Learning feed
        </Link>
      </div>
    </>
  );
}

/** The receipt of an anonymous report: shown once, kept nowhere, confirmed before leaving. */
function AnonymousReceipt({ created }: { created: AnonymousReportCreated }) {
  usePageTitle('Report sent anonymously');
  const navigate = useNavigate();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (saved) return;
    // Closing or reloading the page would lose the receipt for good: ask first.
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [saved]);

  const done = () => {
    const state: FlashState = { flash: 'Your anonymous report was sent. Thank you.' };
    navigate('/lessons', { state, replace: true });
  };

  return (
    <>
      <h1>Report sent anonymously</h1>
      <p className="lead">Thank you. Nothing that identifies you was stored with it.</p>
      <div className="receipt">
        <SecretReveal
          title="Your receipt"
        label="Receipt code"
        secret={created.receipt}
          explanation="This code is the only way to follow your report and read the safety team’s messages. It is shown once and stored nowhere: Haven cannot show it again or recover it. Copy it or write it down somewhere private."
        />
      </div>
      <p>
        To follow your report later, open <strong>Follow an anonymous report</strong> (also from the sign-in page,
        without signing in) and enter the code.
      </p>
      <SupportOfferNotice support={created.support} />
      <div className="form">
        <label className="checkbox">
          <input type="checkbox" checked={saved} onChange={(event) => setSaved(event.target.checked)} />
          <span>I have saved my receipt somewhere safe</span>
        </label>
        <div className="form__actions">
          <button type="button" className="button button--primary" disabled={!saved} onClick={done}>
            Done
          </button>
        </div>
      </div>
    </>
  );
}
