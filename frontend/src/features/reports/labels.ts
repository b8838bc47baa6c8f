/**
 * Words for the report vocabularies (DESIGN.md, "Reports"): labels and the plain
 * explanations shown beside each choice, so nobody has to know the taxonomies.
 */
import type {
  Category,
  ContributingFactor,
  Harm,
  NccMerp,
  ReportKind,
  ReportMode,
  ReportStatus,
  Shift,
} from '../../api/types';

export interface Explained {
  label: string;
  hint: string;
}

export const KIND: Record<ReportKind, Explained> = {
  incident: { label: 'Incident', hint: 'Something went wrong and it reached the patient.' },
  near_miss: { label: 'Near miss', hint: 'Something went wrong but was caught before it reached the patient.' },
  unsafe_condition: {
    label: 'Unsafe condition',
    hint: 'Something that could cause harm, such as faulty equipment or an unsafe layout. No patient was involved.',
  },
  good_catch_or_excellence: {
    label: 'Good catch or excellence',
    hint: 'Something that went well and that others could learn from.',
  },
};

export const CATEGORY: Record<Category, string> = {
  blood: 'Blood or blood products',
  device: 'Device or medical equipment (including health IT)',
  fall: 'Fall',
  healthcare_associated_infection: 'Healthcare-associated infection',
  medication: 'Medication or other substance',
  perinatal: 'Perinatal (pregnancy, birth, newborn)',
  pressure_injury: 'Pressure injury',
  surgery_anesthesia: 'Surgery or anaesthesia',
  venous_thromboembolism: 'Venous thromboembolism (blood clot)',
  other: 'Something else',
};

export const HARM: Record<Harm, Explained> = {
  none: { label: 'No harm', hint: 'No harm was evident (or the event did not reach the patient).' },
  mild: {
    label: 'Mild harm',
    hint: 'Minimal symptoms or loss of function, or extra treatment or monitoring was needed.',
  },
  moderate: {
    label: 'Moderate harm',
    hint: 'Bodily or psychological injury that affects daily life or function, but not severely.',
  },
  severe: {
    label: 'Severe harm',
    hint: 'Injury, pain or disfigurement that significantly affects function or quality of life.',
  },
  death: { label: 'Death', hint: 'The event caused or contributed to the patient’s death.' },
  unknown: { label: 'Not known yet', hint: 'It is too early to tell, or you do not know.' },
};

/** NCC MERP Index for Categorizing Medication Errors, in plain words. */
export const NCC_MERP_TEXT: Record<NccMerp, Explained> = {
  A: { label: 'A', hint: 'Circumstances that could lead to an error (no error happened).' },
  B: { label: 'B', hint: 'An error happened but did not reach the patient.' },
  C: { label: 'C', hint: 'An error reached the patient but caused no harm.' },
  D: {
    label: 'D',
    hint: 'An error reached the patient; monitoring or a step was needed to make sure there was no harm.',
  },
  E: { label: 'E', hint: 'Temporary harm that needed treatment.' },
  F: { label: 'F', hint: 'Temporary harm that needed a hospital stay, or a longer one.' },
  G: { label: 'G', hint: 'Permanent harm.' },
  H: { label: 'H', hint: 'Treatment was needed to keep the patient alive.' },
  I: { label: 'I', hint: 'The error may have contributed to or caused the patient’s death.' },
};

export const SHIFT: Record<Shift, string> = { day: 'Day', evening: 'Evening', night: 'Night' };

export const FACTOR: Record<ContributingFactor, Explained> = {
  communication: { label: 'Communication', hint: 'Information was missing, unclear or misunderstood.' },
  handoff: { label: 'Handoff or handover', hint: 'Something was lost when care passed between people or shifts.' },
  staffing: { label: 'Staffing', hint: 'Too few people, or not the right skills on duty.' },
  workload: { label: 'Workload', hint: 'Too much to do at once, interruptions.' },
  fatigue: { label: 'Fatigue', hint: 'Long shifts, no breaks, tiredness.' },
  equipment: { label: 'Equipment', hint: 'A device was missing, faulty or hard to use.' },
  environment: { label: 'Environment', hint: 'Noise, lighting, space or layout.' },
  policy_procedure: { label: 'Policy or procedure', hint: 'No procedure, or one that does not work in practice.' },
  training: { label: 'Training', hint: 'Nobody was shown how, or training was out of date.' },
  teamwork: { label: 'Teamwork', hint: 'Roles unclear, or hard to speak up or ask for help.' },
  patient_factors: { label: 'Patient factors', hint: 'The patient’s condition or circumstances made care harder.' },
  it_system: { label: 'IT system', hint: 'A computer system was down, slow or confusing.' },
  other: { label: 'Something else', hint: 'Describe it in your own words.' },
};

export const MODE: Record<ReportMode, Explained> = {
  named: {
    label: 'Named',
    hint:
      'The safety team and the lead of the department where it happened see your name. ' +
      'They can thank you, ask you questions and tell you what changed.',
  },
  confidential: {
    label: 'Confidential',
    hint:
      'Only the safety team sees your name. Your department lead sees the report but not who sent it. ' +
      'You can follow it under “My reports”.',
  },
  anonymous: {
    label: 'Anonymous',
    hint:
      'Nobody can find out who sent it, not even the safety team or Haven’s administrators: no name, ' +
      'no account, no address is stored, and only the day it was sent. You get a receipt code, the only ' +
      'way to follow the report and talk with the safety team. If you lose it, nobody can recover it.',
  },
};

export const STATUS: Record<ReportStatus, Explained> = {
  submitted: { label: 'Received', hint: 'Waiting for the safety team to look at it.' },
  triaged: { label: 'Triaged', hint: 'The safety team has looked at it and decided how to handle it.' },
  under_review: { label: 'Under review', hint: 'The safety team is finding out what happened and why.' },
  action_planned: { label: 'Action planned', hint: 'Changes to prevent it happening again are planned.' },
  closed: { label: 'Closed', hint: 'The review is finished.' },
  not_actionable: { label: 'No further action', hint: 'The safety team decided no further action is needed.' },
};

/** The safety team's words for a workflow move (the buttons on a report). */
export const TRANSITION: Record<ReportStatus, string> = {
  submitted: 'Back to received',
  triaged: 'Mark as triaged',
  under_review: 'Start the review',
  action_planned: 'Action planned',
  closed: 'Close the report',
  not_actionable: 'No further action',
};

export function labelOf<K extends string>(table: Record<K, Explained>, key: K): string {
  return table[key].label;
}
