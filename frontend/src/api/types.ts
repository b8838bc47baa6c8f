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

export type ApiKey = Schemas['ApiKeyRead'];
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

const shifts = ['day', 'evening', 'night'] as const satisfies readonly ShiftName[];
export const SHIFTS: Exhaustive<ShiftName, typeof shifts> = shifts;
export const SHIFT_LABELS: Record<ShiftName, string> = { day: 'Day', evening: 'Evening', night: 'Night' };
