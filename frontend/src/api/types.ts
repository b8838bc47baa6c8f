/**
 * The one place that names API types for the rest of the app.
 *
 * Everything here is derived from the generated `schema.d.ts`; when the contract's
 * schema names change, only these aliases change.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];
export type FieldErrorItem = Schemas['FieldError'];
export type TokenResponse = Schemas['TokenResponse'];
export type SignInMethods = Schemas['SignInMethods'];
export type Me = Schemas['MeRead'];
export type Role = Schemas['Role'];
export type Profession = Schemas['Profession'];
export type ApiKeyScope = Schemas['Scope'];

export type Department = Schemas['DepartmentRead'];
export type DepartmentCreate = Schemas['DepartmentCreate'];
export type DepartmentUpdate = Schemas['DepartmentUpdate'];

export type User = Schemas['UserRead'];
export type UserCreated = Schemas['UserCreated'];
export type UserCreate = Schemas['UserCreate'];
export type UserUpdate = Schemas['UserUpdate'];
export type UserUpdated = Schemas['UserUpdated'];
export type RoleGrant = Schemas['RoleGrantRead'];
export type RoleGrantStatus = Schemas['RoleGrantStatus'];
export type PeopleImport = Schemas['PeopleImportRead'];
export type PeopleImportRow = Schemas['PeopleImportRowRead'];
export type PeopleImportOutcome = Schemas['PeopleImportOutcome'];

export type ApiKey = Schemas['ApiKeyRead'];
export type ApiKeyStatus = Schemas['ApiKeyStatus'];
export type AuditEvent = Schemas['AuditEventRead'];
export type AuditVerification = Schemas['AuditVerification'];
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type ApiKeyCreate = Schemas['ApiKeyCreate'];

/** Keyset page as every list endpoint returns it. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

// Runtime lists of the wire enums, checked against the schema in both directions
// so a new enum value in the contract fails the type check here.
type Exhaustive<T extends string, L extends readonly T[]> = [T] extends [L[number]] ? L : never;

const roles = [
  'staff',
  'peer_supporter',
  'support_coordinator',
  'safety_officer',
  'department_lead',
  'admin',
  'auditor',
] as const satisfies readonly Role[];
export const ROLES: Exhaustive<Role, typeof roles> = roles;

const professions = [
  'nurse',
  'physician',
  'pharmacist',
  'allied_health',
  'support_staff',
  'other',
] as const satisfies readonly Profession[];
export const PROFESSIONS: Exhaustive<Profession, typeof professions> = professions;

const scopes = [
  'reports:write',
  'reports:read',
  'staffing:write',
  'fhir:read',
  'scim',
] as const satisfies readonly ApiKeyScope[];
export const API_KEY_SCOPES: Exhaustive<ApiKeyScope, typeof scopes> = scopes;

export const ROLE_LABELS: Record<Role, string> = {
  staff: 'Staff',
  peer_supporter: 'Peer supporter',
  support_coordinator: 'Support coordinator',
  safety_officer: 'Safety officer',
  department_lead: 'Department lead',
  admin: 'Administrator',
  auditor: 'Auditor',
};

export const PROFESSION_LABELS: Record<Profession, string> = {
  nurse: 'Nurse',
  physician: 'Physician',
  pharmacist: 'Pharmacist',
  allied_health: 'Allied health',
  support_staff: 'Support staff',
  other: 'Other',
};

export const SCOPE_LABELS: Record<ApiKeyScope, string> = {
  'reports:write': 'Submit reports (reports:write)',
  'reports:read': 'Read reports (reports:read)',
  'staffing:write': 'Post staffing figures (staffing:write)',
  'fhir:read': 'FHIR export (fhir:read)',
  scim: 'Provision people from the identity provider (scim)',
};

// --- check-ins, staffing, insights ---------------------------------------------------------
export type CurrentCheckin = Schemas['CurrentCheckin'];
export type CheckinQuestion = Schemas['QuestionRead'];
export type CheckinSubmit = Schemas['CheckinSubmit'];
export type CheckinReceipt = Schemas['CheckinReceipt'];
export type ShiftWrite = Schemas['ShiftWrite'];
export type ShiftRead = Schemas['ShiftRead'];
export type ShiftName = Schemas['Shift'];

export type Figure = Schemas['Figure'];
export type DepartmentInsights = Schemas['DepartmentInsights'];
export type DepartmentWeek = Schemas['DepartmentWeek'];
export type InsightSignals = Schemas['Signals'];
export type ControlChart = Schemas['ControlChart'];
export type ChartPoint = Schemas['ChartPointRead'];
export type Hotspots = Schemas['Hotspots'];
export type Hotspot = Schemas['Hotspot'];
export type InsightMetric = Schemas['Metric'];
export type InsightUnit = Schemas['Unit'];

/** Members of staff: they answer check-ins (admins and auditors hold accounts for their function). */
export const STAFF_ROLES = [
  'staff',
  'peer_supporter',
  'support_coordinator',
  'safety_officer',
  'department_lead',
] as const satisfies readonly Role[];

export const SHIFT_LABELS: Record<ShiftName, string> = { day: 'Day', evening: 'Evening', night: 'Night' };
// --- reports (safety events), messages, just-culture reviews, lessons ---------------------

export type Organisation = Schemas['OrganisationRead'];
export type ReportMode = Schemas['ReportMode'];
export type ReportKind = Schemas['ReportKind'];
export type Category = Schemas['Category'];
export type Harm = Schemas['Harm'];
export type NccMerp = Schemas['NccMerp'];
export type Shift = Schemas['Shift'];
export type ContributingFactor = Schemas['ContributingFactor'];
export type ReportStatus = Schemas['ReportStatus'];
export type ReportCreate = Schemas['ReportCreate'];
export type ReportCreated = Schemas['ReportCreated'];
export type AnonymousReportCreate = Schemas['AnonymousReportCreate'];
export type AnonymousReportCreated = Schemas['AnonymousReportCreated'];
export type AnonymousReportView = Schemas['AnonymousReportView'];
export type ReportSession = Schemas['ReportSession'];
export type AnonymousReportForm = Schemas['AnonymousReportForm'];
export type SupportOffer = Schemas['SupportOffer'];
export type MyReport = Schemas['MyReport'];
export type ReportListItem = Schemas['ReportListItem'];
export type ReportRead = Schemas['ReportRead'];
export type ReportUpdate = Schemas['ReportUpdate'];
export type ReportStatusCount = Schemas['ReportStatusCount'];
export type Subcategory = Schemas['SubcategoryRead'];
export type HighRiskScenario = Schemas['HighRiskScenarioRead'];
export type InvolvedStaff = Schemas['InvolvedStaffRead'];
export type InvolvedStaffUpdate = Schemas['InvolvedStaffUpdate'];
export type StaffCandidate = Schemas['StaffCandidate'];
export type PersonRef = Schemas['PersonRef'];
export type Message = Schemas['MessageRead'];
export type LessonSummary = Schemas['LessonSummary'];
export type Lesson = Schemas['LessonRead'];
export type LessonCreate = Schemas['LessonCreate'];
export type JcQuestion = Schemas['JcQuestion'];
export type JcAnswer = Schemas['JcAnswer'];
export type JcOutcome = Schemas['JcOutcome'];
export type JcReview = Schemas['JcReviewRead'];
export type JcReviewWrite = Schemas['JcReviewWrite'];

const reportModes = ['named', 'confidential', 'anonymous'] as const satisfies readonly ReportMode[];
export const REPORT_MODES: Exhaustive<ReportMode, typeof reportModes> = reportModes;

const reportKinds = [
  'incident',
  'near_miss',
  'unsafe_condition',
  'good_catch_or_excellence',
] as const satisfies readonly ReportKind[];
export const REPORT_KINDS: Exhaustive<ReportKind, typeof reportKinds> = reportKinds;

const categories = [
  'blood',
  'device',
  'fall',
  'healthcare_associated_infection',
  'medication',
  'perinatal',
  'pressure_injury',
  'surgery_anesthesia',
  'venous_thromboembolism',
  'other',
] as const satisfies readonly Category[];
export const CATEGORIES: Exhaustive<Category, typeof categories> = categories;

const harms = ['none', 'mild', 'moderate', 'severe', 'death', 'unknown'] as const satisfies readonly Harm[];
export const HARMS: Exhaustive<Harm, typeof harms> = harms;

const nccMerp = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'] as const satisfies readonly NccMerp[];
export const NCC_MERP: Exhaustive<NccMerp, typeof nccMerp> = nccMerp;

const shifts = ['day', 'evening', 'night'] as const satisfies readonly Shift[];
export const SHIFTS: Exhaustive<Shift, typeof shifts> = shifts;

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
export const CONTRIBUTING_FACTORS: Exhaustive<ContributingFactor, typeof factors> = factors;

const reportStatuses = [
  'submitted',
  'triaged',
  'under_review',
  'action_planned',
  'closed',
  'not_actionable',
] as const satisfies readonly ReportStatus[];
export const REPORT_STATUSES: Exhaustive<ReportStatus, typeof reportStatuses> = reportStatuses;

const jcQuestions = [
  'deliberate_harm',
  'substance_abuse',
  'ill_health',
  'protocols_existed',
  'protocols_workable',
  'knowingly_departed',
  'peers_would_act_same',
  'missed_training',
  'supervision_lacking',
  'mitigating_circumstances',
] as const satisfies readonly JcQuestion[];
/** The just-culture guide's questions, in the order the guide asks them. */
export const JC_QUESTIONS: Exhaustive<JcQuestion, typeof jcQuestions> = jcQuestions;

// --- peer support ---------------------------------------------------------------------------

export type SupportResources = Schemas['ResourcesRead'];
export type SupportResource = Schemas['ResourceRead'];
export type SupportResourceItem = Schemas['ResourceItem'];
export type SupportResourceKind = Schemas['ResourceKind'];
export type SupportConfig = Schemas['SupportConfigRead'];
/** A support request as each viewer sees it: the API answers one shape per viewer, told apart
 * by `view`; the coordinator's has no contact details, preferred times or requester's name. */
export type RequesterSupportRequest = Schemas['RequesterRequestRead'];
export type SupporterSupportRequest = Schemas['SupporterRequestRead'];
export type CoordinatorSupportRequest = Schemas['CoordinatorRequestRead'];
export type SupportRequest = RequesterSupportRequest | SupporterSupportRequest | CoordinatorSupportRequest;
export type SupportRequestCreate = Schemas['SupportRequestCreate'];
export type SupportRequestCreated = Schemas['SupportRequestCreated'];
export type SupportStatus = Schemas['RequestStatus'];
export type Urgency = Schemas['Urgency'];
export type ContactChannel = Schemas['ContactChannel'];
export type EncounterChannel = Schemas['EncounterChannel'];
export type EncounterOutcome = Schemas['EncounterOutcome'];
export type EncounterCreate = Schemas['EncounterCreate'];
export type Encounter = Schemas['EncounterRead'];
export type EscalationResource = Schemas['EscalationResource'];
export type ExclusionReason = Schemas['ExclusionReason'];
export type Candidates = Schemas['CandidatesRead'];
export type FollowUp = Schemas['FollowUpRead'];
export type DueFollowUp = Schemas['DueFollowUpRead'];
export type Supporter = Schemas['SupporterRead'];
export type SupporterCreate = Schemas['SupporterCreate'];
export type SupporterUpdate = Schemas['SupporterUpdate'];
export type OnCallWindow = Schemas['OnCallWindow'];
export type Availability = Schemas['AvailabilityRead'];
export type OutreachTask = Schemas['OutreachTaskRead'];
export type ProgramMetrics = Schemas['ProgramMetrics'];

const supportStatuses = [
  'new',
  'assigned',
  'contacted',
  'active',
  'escalated',
  'closed',
] as const satisfies readonly SupportStatus[];
export const SUPPORT_STATUSES: Exhaustive<SupportStatus, typeof supportStatuses> = supportStatuses;

const urgencies = ['urgent', 'soon', 'routine'] as const satisfies readonly Urgency[];
export const URGENCIES: Exhaustive<Urgency, typeof urgencies> = urgencies;

const contactChannels = ['phone', 'video', 'in_person', 'message'] as const satisfies readonly ContactChannel[];
export const CONTACT_CHANNELS: Exhaustive<ContactChannel, typeof contactChannels> = contactChannels;

const encounterChannels = ['in_person', 'phone', 'video', 'group'] as const satisfies readonly EncounterChannel[];
export const ENCOUNTER_CHANNELS: Exhaustive<EncounterChannel, typeof encounterChannels> = encounterChannels;

const outcomes = ['follow_up', 'resolved', 'referred'] as const satisfies readonly EncounterOutcome[];
export const ENCOUNTER_OUTCOMES: Exhaustive<EncounterOutcome, typeof outcomes> = outcomes;

const escalationResources = [
  'employee_assistance',
  'chaplaincy',
  'psychology',
  'occupational_health',
  'crisis_line',
  'emergency_pathway',
  'other',
] as const satisfies readonly EscalationResource[];
export const ESCALATION_RESOURCES: Exhaustive<EscalationResource, typeof escalationResources> = escalationResources;

const resourceKinds = [
  'crisis_line',
  'employee_assistance',
  'chaplaincy',
  'psychology',
  'emergency',
  'other',
] as const satisfies readonly SupportResourceKind[];
export const RESOURCE_KINDS: Exhaustive<SupportResourceKind, typeof resourceKinds> = resourceKinds;

export const SUPPORT_STATUS_LABELS: Record<SupportStatus, string> = {
  new: 'Waiting for a supporter',
  assigned: 'Supporter assigned',
  contacted: 'Supporter in touch',
  active: 'Support under way',
  escalated: 'Referred to professional help',
  closed: 'Closed',
};

export const URGENCY_LABELS: Record<Urgency, string> = {
  urgent: 'Urgent: as soon as possible',
  soon: 'Soon: within a few hours',
  routine: 'Routine: within a day',
};

export const CONTACT_CHANNEL_LABELS: Record<ContactChannel, string> = {
  phone: 'Phone call',
  video: 'Video call',
  in_person: 'In person',
  message: 'Message',
};

export const ENCOUNTER_CHANNEL_LABELS: Record<EncounterChannel, string> = {
  in_person: 'In person',
  phone: 'Phone',
  video: 'Video',
  group: 'Group',
};

export const OUTCOME_LABELS: Record<EncounterOutcome, string> = {
  follow_up: 'Follow up',
  resolved: 'Resolved',
  referred: 'Referred on',
};

export const ESCALATION_LABELS: Record<EscalationResource, string> = {
  employee_assistance: 'Employee assistance',
  chaplaincy: 'Chaplaincy',
  psychology: 'Psychology',
  occupational_health: 'Occupational health',
  crisis_line: 'Crisis line',
  emergency_pathway: 'Emergency pathway',
  other: 'Other professional help',
};

export const EXCLUSION_LABELS: Record<ExclusionReason, string> = {
  is_requester: 'Is the person asking',
  is_assigner: 'Is you (nobody assigns a request to themself)',
  leads_department: 'Leads the department of the person asking',
  conflicting_roles: 'Holds a role that may not support people',
  inactive: 'Not active',
  paused: 'Paused',
  not_trained: 'Training not recorded',
  training_expired: 'Training expired',
  involved_in_event: 'Involved in the event',
  already_offered: 'Already offered, no contact made',
  same_department: 'Same department (asked not to)',
  is_coordinator: 'Also a coordinator (another coordinator may assign by hand)',
  at_capacity: 'At capacity',
  off_call: 'Off call now',
};

export const RESOURCE_KIND_LABELS: Record<SupportResourceKind, string> = {
  crisis_line: 'Crisis line',
  employee_assistance: 'Employee assistance',
  chaplaincy: 'Chaplaincy',
  psychology: 'Psychology',
  emergency: 'Emergency',
  other: 'Other',
};

export const WEEKDAY_LABELS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
