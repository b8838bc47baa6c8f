/** The facilitator's walk through the record: the steps, and the draft they edit. */
import type { ActionItem, ContributingFactor, DebriefRecord, DebriefRecordWrite, OverdueCount } from './debriefsApi';

export const STEPS = [
  { id: 'ground-rules', title: 'Ground rules' },
  { id: 'attendance', title: 'Who is here' },
  { id: 'events', title: 'What happened' },
  { id: 'went-well', title: 'What went well' },
  { id: 'was-hard', title: 'What was hard' },
  { id: 'factors', title: 'Contributing system factors' },
  { id: 'learnings', title: 'What we learned' },
  { id: 'support', title: 'Support' },
  { id: 'actions', title: 'Actions' },
  { id: 'finish', title: 'Finish' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export interface Draft {
  groundRulesAcknowledged: boolean;
  events: string[];
  wentWell: string;
  wasHard: string;
  factors: ContributingFactor[];
  learnings: string;
  supportOffered: boolean | null;
}

export function draftOf(record: DebriefRecord): Draft {
  return {
    groundRulesAcknowledged: record.ground_rules.acknowledged,
    events: [...record.events],
    wentWell: record.went_well ?? '',
    wasHard: record.was_hard ?? '',
    factors: [...record.contributing_factors],
    learnings: record.learnings ?? '',
    supportOffered: record.support_offered ?? null,
  };
}

/** The body of `PUT …/record`: empty events are dropped, empty texts sent as null. */
export function toWrite(draft: Draft): DebriefRecordWrite {
  const text = (value: string) => (value.trim() ? value.trim() : null);
  return {
    ground_rules_acknowledged: draft.groundRulesAcknowledged,
    events: draft.events.map((e) => e.trim()).filter((e) => e.length > 0),
    went_well: text(draft.wentWell),
    was_hard: text(draft.wasHard),
    contributing_factors: draft.factors,
    learnings: text(draft.learnings),
    support_offered: draft.supportOffered,
  };
}

/** What still stops the record from being summarised (the server checks the same). */
export function missingForSummary(draft: Draft): string[] {
  const missing: string[] = [];
  if (!draft.groundRulesAcknowledged) missing.push('the ground rules agreed');
  if (draft.factors.length === 0) missing.push('at least one contributing system factor');
  return missing;
}

/** Move one item of a list up (-1) or down (+1); out-of-range moves change nothing. */
export function moved<T>(items: readonly T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  if (index < 0 || index >= items.length || target < 0 || target >= items.length) return [...items];
  const next = [...items];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

export interface DepartmentGroup {
  departmentId: string;
  name: string;
  items: ActionItem[];
}

/** Overdue items per department (most overdue departments first), by owner within each. */
export function groupByDepartment(
  items: readonly ActionItem[],
  nameOf: (departmentId: string) => string,
  counts: readonly OverdueCount[] = [],
): DepartmentGroup[] {
  const groups = new Map<string, ActionItem[]>();
  for (const item of items) groups.set(item.department_id, [...(groups.get(item.department_id) ?? []), item]);
  const rank = new Map(counts.map((c, i) => [c.department_id, i]));
  return [...groups.entries()]
    .map(([departmentId, list]) => ({
      departmentId,
      name: nameOf(departmentId),
      items: [...list].sort(
        (a, b) => a.owner.display_name.localeCompare(b.owner.display_name) || a.due_on.localeCompare(b.due_on),
      ),
    }))
    .sort(
      (a, b) =>
        (rank.get(a.departmentId) ?? Infinity) - (rank.get(b.departmentId) ?? Infinity) ||
        b.items.length - a.items.length ||
        a.name.localeCompare(b.name),
    );
}

/** A date-only value ("2026-03-04") for people, in their locale. */
export function formatDay(value: string): string {
  const date = new Date(`${value}T00:00:00`);
  return Number.isNaN(date.getTime()) ? value : new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(date);
}

/** `datetime-local` input value → ISO timestamp with the browser's offset applied. */
export function localInputToIso(value: string): string | null {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}
