import { useCallback, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import type { FlashState } from '../../hooks/useFlash';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { useDepartments } from '../org/useDepartments';
import { createDebrief, getReport, type DebriefKind } from './debriefsApi';
import { KINDS, KIND_LABELS } from './labels';
import { PeoplePicker } from './PeoplePicker';
import { formatDay, localInputToIso } from './record';
import { usePeople } from './usePeople';

const FIELDS = [
  'kind',
  'title',
  'department_id',
  'facilitator_id',
  'scheduled_at',
  'duration_minutes',
  'location',
  'participant_ids',
  'report_ids',
] as const;

function isKind(value: string | null): value is DebriefKind {
  return value !== null && (KINDS as readonly string[]).includes(value);
}

/** A sensible default: the next full hour. */
function nextHour(): string {
  const d = new Date();
  d.setMinutes(0, 0, 0);
  d.setHours(d.getHours() + 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
}

/**
 * Schedule a debrief. `?report_id=` schedules it about a report (the report page links
 * here): a hot debrief in the report's department, with the report linked. `?kind=` and
 * `?department_id=` preset those (the insights hotspot page schedules open forums).
 */
export default function ScheduleDebriefPage() {
  usePageTitle('Schedule a debrief');
  const [params] = useSearchParams();
  const reportId = params.get('report_id');
  const kindParam = params.get('kind');
  const navigate = useNavigate();
  const { me, hasRole } = useAuth();
  const departments = useDepartments();
  const people = usePeople();
  const idempotencyKey = useIdempotencyKey();
  const onlyForums = !hasRole('safety_officer', 'department_lead');

  const [kind, setKind] = useState<DebriefKind>(onlyForums ? 'open_forum' : isKind(kindParam) ? kindParam : 'hot');
  const [title, setTitle] = useState('');
  const [departmentId, setDepartmentId] = useState(
    params.get('department_id') ?? (hasRole('department_lead') ? (me?.department_id ?? '') : ''),
  );
  const [facilitatorId, setFacilitatorId] = useState('');
  const [when, setWhen] = useState(nextHour);
  const [duration, setDuration] = useState('60');
  const [location, setLocation] = useState('');
  const [participants, setParticipants] = useState<string[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);

  const loadReport = useCallback(() => getReport(reportId ?? ''), [reportId]);
  const about = useLoad(reportId ? loadReport : null, (found) => setDepartmentId(found.department_id));
  const report = about.data;

  const nameOf = (id: string | null | undefined) => (id ? (departments.byId.get(id)?.name ?? 'Department') : 'No department');

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      const created = await createDebrief(
        {
          kind,
          title: title.trim(),
          department_id: departmentId,
          facilitator_id: facilitatorId,
          scheduled_at: localInputToIso(when) ?? when,
          duration_minutes: Number(duration) || 60,
          location: location.trim() || null,
          participant_ids: participants,
          report_ids: reportId ? [reportId] : [],
        },
        idempotencyKey.current(),
      );
      const state: FlashState = { flash: `Debrief scheduled. ${participants.length} people were invited.` };
      navigate(`/debriefs/${created.id}`, { state });
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setSubmitting(false);
    }
  };

  const kindOptions = onlyForums ? (['open_forum'] as const) : KINDS;

  return (
    <>
      <p className="breadcrumb">
        <Link to="/debriefs">Debriefs</Link>
      </p>
      <h1>Schedule a debrief</h1>
      {report ? (
        <section className="panel" aria-label="The report this debrief is about">
          <h2>About a report</h2>
          <p>
            {report.kind.replaceAll('_', ' ')} · {report.category.replaceAll('_', ' ')} · harm {report.harm} · on{' '}
            {formatDay(report.occurred_on)} in {nameOf(report.department_id)}
          </p>
          <p className="field__hint">The report is linked to the debrief; participants do not see it.</p>
        </section>
      ) : null}
      <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <FormError message={errors.formError ?? about.error ?? departments.error ?? people.error} />
        <SelectField
          label="Kind of debrief"
          name="kind"
          value={kind}
          onChange={(event) => setKind(event.target.value as DebriefKind)}
          options={kindOptions.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
          error={errors.fieldErrors.kind}
        />
        <TextField
          label="Title"
          name="title"
          maxLength={200}
          hint="A short name for the session. Calendar invitations never show it."
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          error={errors.fieldErrors.title}
        />
        <SelectField
          label="Department"
          name="department_id"
          value={departmentId}
          onChange={(event) => setDepartmentId(event.target.value)}
          options={[
            { value: '', label: departments.loading ? 'Loading departments…' : 'Choose a department…' },
            ...departments.departments.filter((d) => d.is_active).map((d) => ({ value: d.id, label: d.name })),
          ]}
          error={errors.fieldErrors.department_id}
        />
        <SelectField
          label="Facilitator"
          name="facilitator_id"
          value={facilitatorId}
          onChange={(event) => setFacilitatorId(event.target.value)}
          options={[
            { value: '', label: people.loading ? 'Loading people…' : 'Choose the facilitator…' },
            ...people.people.map((p) => ({ value: p.id, label: `${p.display_name} (${nameOf(p.department_id)})` })),
          ]}
          error={errors.fieldErrors.facilitator_id}
        />
        <TextField
          label="Date and time"
          type="datetime-local"
          name="scheduled_at"
          value={when}
          onChange={(event) => setWhen(event.target.value)}
          error={errors.fieldErrors.scheduled_at}
        />
        <TextField
          label="Length in minutes"
          type="number"
          name="duration_minutes"
          min={5}
          max={480}
          step={5}
          value={duration}
          onChange={(event) => setDuration(event.target.value)}
          error={errors.fieldErrors.duration_minutes}
        />
        <TextField
          label="Place (optional)"
          name="location"
          maxLength={200}
          value={location}
          onChange={(event) => setLocation(event.target.value)}
          error={errors.fieldErrors.location}
        />
        <PeoplePicker
          legend="Invite people"
          people={people.people}
          chosen={participants}
          onChange={setParticipants}
          departmentName={nameOf}
          exclude={facilitatorId ? [facilitatorId] : []}
          error={errors.fieldErrors.participant_ids}
        />
        {errors.fieldErrors.report_ids ? <p className="field__error">{errors.fieldErrors.report_ids}</p> : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting}>
            {submitting ? 'Scheduling…' : 'Schedule and invite'}
          </button>
          <Link to="/debriefs" className="button button--secondary">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
