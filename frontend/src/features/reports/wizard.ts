/** The report wizard's steps and their checks: pure, so they are tested without a browser. */
import type { FieldErrors } from '../../api/problem';
import type { ReportDraft } from './draft';
import { harmsFor, LOCATION_MAX, nccMerpFor, TEXT_MAX } from './rules';

export const STEPS = [
  { title: 'What happened', fields: ['kind', 'category', 'subcategory', 'description', 'immediate_actions'] },
  { title: 'Where and when', fields: ['department_id', 'location', 'occurred_on', 'shift'] },
  { title: 'Harm', fields: ['harm', 'ncc_merp'] },
  { title: 'What contributed', fields: ['contributing_factors'] },
  { title: 'How you want to be known', fields: ['mode'] },
] as const;

export const LAST_STEP = STEPS.length - 1;

/** Every field the wizard shows, for placing the server's field errors. */
export const ALL_FIELDS: readonly string[] = STEPS.flatMap((s) => s.fields);

/** The first step holding one of these field errors (to send the person back there). */
export function firstStepWithError(fieldErrors: FieldErrors): number | null {
  const index = STEPS.findIndex((step) => step.fields.some((f) => f in fieldErrors));
  return index < 0 ? null : index;
}

/** A local calendar date as YYYY-MM-DD (what <input type="date"> uses). */
export function localIsoDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** What is missing or does not fit on one step; empty when the person may go on. */
export function validateStep(step: number, draft: ReportDraft, today: string): FieldErrors {
  const errors: FieldErrors = {};
  if (step === 0) {
    if (draft.kind === '') errors.kind = 'Choose what kind of event it was.';
    if (draft.category === '') errors.category = 'Choose the closest category.';
    if (draft.description.trim() === '') errors.description = 'Describe what happened, in a few words at least.';
    else if (draft.description.length > TEXT_MAX) errors.description = `Keep it under ${TEXT_MAX} characters.`;
    if (draft.immediateActions.length > TEXT_MAX) errors.immediate_actions = `Keep it under ${TEXT_MAX} characters.`;
  } else if (step === 1) {
    if (draft.departmentId === '') errors.department_id = 'Choose the department where it happened.';
    if (draft.occurredOn === '') errors.occurred_on = 'Give the date it happened (your best guess is fine).';
    else if (draft.occurredOn > today) errors.occurred_on = 'The date cannot be in the future.';
    if (draft.location.length > LOCATION_MAX) errors.location = `Keep it under ${LOCATION_MAX} characters.`;
  } else if (step === 2) {
    if (draft.harm === '') errors.harm = 'Choose the harm, or “Not known yet”.';
    else if (!harmsFor(draft.kind).includes(draft.harm)) {
      errors.harm = 'This kind of event did not reach the patient: choose “No harm” or “Not known yet”.';
    }
    if (draft.category === 'medication') {
      if (draft.nccMerp === '') errors.ncc_merp = 'Medication events need the NCC MERP category.';
      else if (!nccMerpFor(draft.kind).includes(draft.nccMerp)) {
        errors.ncc_merp = `For this kind of event choose ${nccMerpFor(draft.kind).join(', ')}.`;
      }
    }
  } else if (step === 4) {
    if (draft.mode === '') errors.mode = 'Choose how you want to be known.';
  }
  return errors;
}
