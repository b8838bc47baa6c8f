import { useState, type FormEvent } from 'react';
import {
  CATEGORIES,
  CONTRIBUTING_FACTORS,
  HARMS,
  REPORT_KINDS,
  SHIFTS,
  type Category,
  type ContributingFactor,
  type Department,
  type Harm,
  type NccMerp,
  type ReportKind,
  type ReportRead,
  type ReportUpdate,
  type Shift,
  type Subcategory,
} from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { SelectField } from '../../components/SelectField';
import { NO_WRITE_ERRORS, WriteError, writeErrors, type WriteErrors } from './conflicts';
import { TextAreaField } from './fields';
import { CATEGORY, FACTOR, HARM, KIND, NCC_MERP_TEXT, SHIFT } from './labels';
import { updateReport } from './reportsApi';
import { nccMerpFor } from './rules';

const FIELDS = [
  'kind',
  'category',
  'subcategory',
  'harm',
  'ncc_merp',
  'shift',
  'department_id',
  'contributing_factors',
  'outcome_summary',
] as const;

interface Draft {
  kind: ReportKind;
  category: Category;
  subcategory: string;
  harm: Harm;
  nccMerp: NccMerp | '';
  shift: Shift | '';
  departmentId: string;
  factors: ContributingFactor[];
  outcomeSummary: string;
}

function draftOf(report: ReportRead): Draft {
  return {
    kind: report.kind,
    category: report.category,
    subcategory: report.subcategory ?? '',
    harm: report.harm,
    nccMerp: report.ncc_merp ?? '',
    shift: report.shift ?? '',
    departmentId: report.department_id,
    factors: [...report.contributing_factors],
    outcomeSummary: report.outcome_summary ?? '',
  };
}

/** Only what changed, so the PATCH says exactly what the officer corrected. */
export function triageChanges(report: ReportRead, draft: Draft): ReportUpdate {
  const changes: ReportUpdate = {};
  if (draft.kind !== report.kind) changes.kind = draft.kind;
  if (draft.category !== report.category) changes.category = draft.category;
  if ((draft.subcategory || null) !== (report.subcategory ?? null)) changes.subcategory = draft.subcategory || null;
  if (draft.harm !== report.harm) changes.harm = draft.harm;
  const ncc = draft.category === 'medication' && draft.nccMerp !== '' ? draft.nccMerp : null;
  if (ncc !== (report.ncc_merp ?? null)) changes.ncc_merp = ncc;
  if ((draft.shift || null) !== (report.shift ?? null)) changes.shift = draft.shift || null;
  if (draft.departmentId !== report.department_id) changes.department_id = draft.departmentId;
  if ([...draft.factors].sort().join() !== [...report.contributing_factors].sort().join()) {
    changes.contributing_factors = draft.factors;
  }
  if (draft.outcomeSummary.trim() !== (report.outcome_summary ?? '')) {
    changes.outcome_summary = draft.outcomeSummary.trim() || null;
  }
  return changes;
}

interface Props {
  report: ReportRead;
  departments: Department[];
  subcategories: Subcategory[];
  onChanged(report: ReportRead, message: string): void;
  onReload(): void;
}

/** Triage: the safety officer's corrections of the classification, and the summary the reporter reads. */
export function TriagePanel({ report, departments, subcategories, onChanged, onReload }: Props) {
  // Keyed by version in the parent, so a newer report starts a fresh draft.
  const [draft, setDraft] = useState<Draft>(() => draftOf(report));
  const [errors, setErrors] = useState<WriteErrors>(NO_WRITE_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const subs = subcategories.filter((s) => s.category === draft.category && (s.is_active || s.name === report.subcategory));

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const changes = triageChanges(report, draft);
    if (Object.keys(changes).length === 0) {
      setErrors({ ...NO_WRITE_ERRORS, formError: 'Nothing has changed.' });
      return;
    }
    setBusy(true);
    setErrors(NO_WRITE_ERRORS);
    try {
      const updated = await updateReport(report, changes);
      onChanged(updated, 'Triage saved.');
    } catch (error) {
      setErrors(writeErrors(error, { fields: FIELDS }));
      setBusy(false);
    }
  };

  const fe = errors.fieldErrors;
  return (
    <section className="panel" aria-labelledby="triage-title">
      <h2 id="triage-title">Triage</h2>
      <p className="lead">Correct the classification if needed. The reporter’s own words are never edited.</p>
      <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <WriteError errors={errors} onReload={onReload} />
        <div className="form-grid">
          <SelectField
            label="Kind"
            value={draft.kind}
            onChange={(event) => set('kind', event.target.value as ReportKind)}
            error={fe.kind}
            options={REPORT_KINDS.map((k) => ({ value: k, label: KIND[k].label }))}
          />
          <SelectField
            label="Category"
            value={draft.category}
            onChange={(event) => {
              set('category', event.target.value as Category);
              set('subcategory', '');
            }}
            error={fe.category}
            options={CATEGORIES.map((c) => ({ value: c, label: CATEGORY[c] }))}
          />
          {subs.length > 0 ? (
            <SelectField
              label="Subcategory"
              value={draft.subcategory}
              onChange={(event) => set('subcategory', event.target.value)}
              error={fe.subcategory}
              options={[{ value: '', label: 'None' }, ...subs.map((s) => ({ value: s.name, label: s.name }))]}
            />
          ) : null}
          <SelectField
            label="Harm"
            value={draft.harm}
            onChange={(event) => set('harm', event.target.value as Harm)}
            error={fe.harm}
            options={HARMS.map((h) => ({ value: h, label: HARM[h].label }))}
          />
          {draft.category === 'medication' ? (
            <SelectField
              label="NCC MERP category"
              value={draft.nccMerp}
              onChange={(event) => set('nccMerp', event.target.value as NccMerp | '')}
              error={fe.ncc_merp}
              options={[
                { value: '', label: 'Choose…' },
                ...nccMerpFor(draft.kind).map((c) => ({ value: c, label: `${c}: ${NCC_MERP_TEXT[c].hint}` })),
              ]}
            />
          ) : null}
          <SelectField
            label="Shift"
            value={draft.shift}
            onChange={(event) => set('shift', event.target.value as Shift | '')}
            error={fe.shift}
            options={[{ value: '', label: 'Not given' }, ...SHIFTS.map((s) => ({ value: s, label: SHIFT[s] }))]}
          />
          <SelectField
            label="Department"
            value={draft.departmentId}
            onChange={(event) => set('departmentId', event.target.value)}
            error={fe.department_id}
            options={departments
              .filter((d) => d.is_active || d.id === report.department_id)
              .map((d) => ({ value: d.id, label: d.name }))}
          />
        </div>
        <CheckboxGroup
          legend="Contributing factors"
          name="contributing_factors"
          options={CONTRIBUTING_FACTORS.map((f) => ({ value: f, label: FACTOR[f].label }))}
          values={draft.factors}
          onChange={(values) => set('factors', values as ContributingFactor[])}
          error={fe.contributing_factors}
        />
        <TextAreaField
          label="What was done, for the reporter"
          hint="Plain words the reporter reads on their report (also an anonymous reporter). No names."
          value={draft.outcomeSummary}
          maxLength={4000}
          rows={3}
          checkPhi
          onChange={(event) => set('outcomeSummary', event.target.value)}
          error={fe.outcome_summary}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save triage'}
          </button>
        </div>
      </form>
    </section>
  );
}
