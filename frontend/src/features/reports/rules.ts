/**
 * The server's rules for how the answers fit together (backend/haven/reports/service.py,
 * `_check_event_fields`), mirrored so the wizard offers only choices that fit. The server
 * still decides: its field errors are shown as they come.
 */
import { HARMS, NCC_MERP, type Harm, type NccMerp, type ReportKind } from '../../api/types';

const NCC_BY_KIND: Record<ReportKind, readonly NccMerp[]> = {
  incident: ['C', 'D', 'E', 'F', 'G', 'H', 'I'],
  near_miss: ['A', 'B'],
  unsafe_condition: ['A'],
  good_catch_or_excellence: ['A', 'B'],
};

/** Kinds that did not reach the patient: harm is none or unknown. */
const NO_HARM_KINDS: readonly ReportKind[] = ['near_miss', 'unsafe_condition', 'good_catch_or_excellence'];

export function harmsFor(kind: ReportKind | ''): readonly Harm[] {
  return kind !== '' && NO_HARM_KINDS.includes(kind) ? ['none', 'unknown'] : HARMS;
}

export function nccMerpFor(kind: ReportKind | ''): readonly NccMerp[] {
  return kind === '' ? NCC_MERP : NCC_BY_KIND[kind];
}

export const TEXT_MAX = 10_000;
export const LOCATION_MAX = 200;
