/** Words for the debrief vocabularies, and runtime lists checked against the schema. */
import type {
  ActionStatus,
  ActionStrength,
  ContributingFactor,
  DebriefKind,
  DebriefStatus,
} from './debriefsApi';
import type { Role } from '../../api/types';

type Exhaustive<T extends string, L extends readonly T[]> = [T] extends [L[number]] ? L : never;

const kinds = ['hot', 'cold', 'open_forum', 'huddle'] as const satisfies readonly DebriefKind[];
export const KINDS: Exhaustive<DebriefKind, typeof kinds> = kinds;

export const KIND_LABELS: Record<DebriefKind, string> = {
  hot: 'Hot debrief (right after an event)',
  cold: 'Cold debrief (days later, structured)',
  open_forum: 'Open forum (a department conversation)',
  huddle: 'Safety huddle',
};

export const KIND_SHORT: Record<DebriefKind, string> = {
  hot: 'Hot debrief',
  cold: 'Cold debrief',
  open_forum: 'Open forum',
  huddle: 'Huddle',
};

export const STATUS_LABELS: Record<DebriefStatus, string> = {
  scheduled: 'Scheduled',
  held: 'Held',
  summarized: 'Summarised',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

export const TRANSITION_LABELS: Record<DebriefStatus, string> = {
  scheduled: 'Back to scheduled',
  held: 'Mark as held',
  summarized: 'Mark as summarised',
  closed: 'Close the debrief',
  cancelled: 'Cancel the debrief',
};

const factors = [
  'communication',
  'handoff',
  'staffing',
  'workload',
  'fatigue',
  'equipment',
  'environment',
  'policy_procedure',
  'training',
  'teamwork',
  'patient_factors',
  'it_system',
  'other',
] as const satisfies readonly ContributingFactor[];
export const FACTORS: Exhaustive<ContributingFactor, typeof factors> = factors;

export const FACTOR_LABELS: Record<ContributingFactor, string> = {
  communication: 'Communication',
  handoff: 'Handoff',
  staffing: 'Staffing',
  workload: 'Workload',
  fatigue: 'Fatigue',
  equipment: 'Equipment',
  environment: 'Environment',
  policy_procedure: 'Policy or procedure',
  training: 'Training',
  teamwork: 'Teamwork',
  patient_factors: 'Patient factors',
  it_system: 'IT system',
  other: 'Other',
};

const strengths = ['stronger', 'intermediate', 'weaker'] as const satisfies readonly ActionStrength[];
export const STRENGTHS: Exhaustive<ActionStrength, typeof strengths> = strengths;

export const STRENGTH_LABELS: Record<ActionStrength, string> = {
  stronger: 'Stronger action',
  intermediate: 'Intermediate action',
  weaker: 'Weaker action',
};

export const STRENGTH_EXPLAINED: Record<ActionStrength, string> = {
  stronger: 'Changes the system so that the error is hard or impossible to make, without relying on memory or vigilance.',
  intermediate: 'Makes the right thing easier or adds a safeguard, but people still have to use it.',
  weaker: 'Relies on people remembering, reading or trying harder. Useful alongside stronger actions, rarely enough alone.',
};

const actionStatuses = ['open', 'in_progress', 'done', 'verified'] as const satisfies readonly ActionStatus[];
export const ACTION_STATUSES: Exhaustive<ActionStatus, typeof actionStatuses> = actionStatuses;

export const ACTION_STATUS_LABELS: Record<ActionStatus, string> = {
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
  verified: 'Verified',
};

/** Roles that take part in debriefs (the server decides per debrief). */
export const TEAM: readonly Role[] = ['staff', 'peer_supporter', 'support_coordinator', 'safety_officer', 'department_lead'];
/** Roles that may schedule some debrief. */
export const SCHEDULERS: readonly Role[] = ['safety_officer', 'department_lead', 'support_coordinator'];
