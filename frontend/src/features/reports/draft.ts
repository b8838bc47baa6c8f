/**
 * The report wizard's draft, kept in the browser so a closed page loses nothing.
 *
 * - It lives in localStorage under a key per signed-in person, so someone else signing
 *   in on a shared ward computer does not get it, and expires after DRAFT_TTL_MS.
 * - Signing out removes every report draft on this browser.
 * - Sending a report removes its draft. For an anonymous report that is the point:
 *   nothing of it (nor its receipt, which is never stored at all) may stay in browser
 *   storage once it is sent (DESIGN.md, "Anonymous reports"); the wizard therefore
 *   stops saving and deletes the draft before the request leaves.
 */
import { onSessionChange } from '../../api/client';
import type {
  AnonymousReportCreate,
  Category,
  ContributingFactor,
  Harm,
  NccMerp,
  ReportCreate,
  ReportKind,
  ReportMode,
  Shift,
} from '../../api/types';
import { CATEGORIES, CONTRIBUTING_FACTORS, HARMS, NCC_MERP, REPORT_KINDS, REPORT_MODES, SHIFTS } from '../../api/types';

export const DRAFT_PREFIX = 'haven.report-draft.v1.';
export const DRAFT_TTL_MS = 3 * 24 * 60 * 60 * 1000;

export interface ReportDraft {
  step: number;
  kind: ReportKind | '';
  category: Category | '';
  subcategory: string;
  description: string;
  immediateActions: string;
  departmentId: string;
  location: string;
  occurredOn: string;
  shift: Shift | '';
  harm: Harm | '';
  nccMerp: NccMerp | '';
  factors: ContributingFactor[];
  mode: ReportMode | '';
}

interface Stored {
  savedAt: number;
  draft: ReportDraft;
}

export function emptyDraft(today: string, departmentId: string | null): ReportDraft {
  return {
    step: 0,
    kind: '',
    category: '',
    subcategory: '',
    description: '',
    immediateActions: '',
    departmentId: departmentId ?? '',
    location: '',
    occurredOn: today,
    shift: '',
    harm: '',
    nccMerp: '',
    factors: [],
    mode: '',
  };
}

/** True when the person has written or chosen nothing worth keeping. */
export function isBlank(draft: ReportDraft): boolean {
  return (
    draft.kind === '' &&
    draft.category === '' &&
    draft.subcategory === '' &&
    draft.description.trim() === '' &&
    draft.immediateActions.trim() === '' &&
    draft.location.trim() === '' &&
    draft.shift === '' &&
    draft.harm === '' &&
    draft.nccMerp === '' &&
    draft.factors.length === 0 &&
    draft.mode === ''
  );
}

export function draftKey(userId: string): string {
  return DRAFT_PREFIX + userId;
}

const oneOf = <T extends string>(values: readonly T[], value: unknown): value is T | '' =>
  value === '' || (typeof value === 'string' && (values as readonly string[]).includes(value));
const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;

/** A stored value that is not exactly a draft (an old version, tampering) is dropped. */
function parse(raw: string): Stored | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { savedAt, draft } = value as { savedAt?: unknown; draft?: Record<string, unknown> };
  if (typeof savedAt !== 'number' || typeof draft !== 'object' || draft === null) return null;
  const d = draft;
  const valid =
    typeof d.step === 'number' &&
    Number.isInteger(d.step) &&
    d.step >= 0 &&
    d.step <= 4 &&
    oneOf(REPORT_KINDS, d.kind) &&
    oneOf(CATEGORIES, d.category) &&
    isText(d.subcategory, 80) &&
    isText(d.description, 10_000) &&
    isText(d.immediateActions, 10_000) &&
    isText(d.departmentId, 64) &&
    isText(d.location, 200) &&
    isText(d.occurredOn, 10) &&
    oneOf(SHIFTS, d.shift) &&
    oneOf(HARMS, d.harm) &&
    oneOf(NCC_MERP, d.nccMerp) &&
    Array.isArray(d.factors) &&
    d.factors.every((f) => typeof f === 'string' && (CONTRIBUTING_FACTORS as readonly string[]).includes(f)) &&
    oneOf(REPORT_MODES, d.mode);
  return valid ? { savedAt, draft: d as unknown as ReportDraft } : null;
}

/** The person's saved draft, or null (none, unreadable or expired: then it is removed). */
export function loadDraft(storage: Storage, userId: string, now: number = Date.now()): ReportDraft | null {
  const key = draftKey(userId);
  let raw: string | null;
  try {
    raw = storage.getItem(key);
  } catch {
    return null;
  }
  if (raw === null) return null;
  const stored = parse(raw);
  if (stored === null || now - stored.savedAt > DRAFT_TTL_MS || now < stored.savedAt - 60_000) {
    discardDraft(storage, userId);
    return null;
  }
  return stored.draft;
}

/** Keep the draft (a blank one is removed instead). Storage may be full or disabled: then the draft is simply not kept. */
export function saveDraft(storage: Storage, userId: string, draft: ReportDraft, now: number = Date.now()): void {
  if (isBlank(draft)) {
    discardDraft(storage, userId);
    return;
  }
  try {
    storage.setItem(draftKey(userId), JSON.stringify({ savedAt: now, draft } satisfies Stored));
  } catch {
    // Private browsing or a full quota: the wizard still works, without a saved draft.
  }
}

export function discardDraft(storage: Storage, userId: string): void {
  try {
    storage.removeItem(draftKey(userId));
  } catch {
    // Nothing could be stored either.
  }
}

/** Remove every report draft in this storage (on sign-out). */
export function discardAllDrafts(storage: Storage): void {
  try {
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(DRAFT_PREFIX)) keys.push(key);
    }
    for (const key of keys) storage.removeItem(key);
  } catch {
    // Storage unavailable: nothing to remove.
  }
}

function common(draft: ReportDraft) {
  const optional = (value: string) => (value.trim() === '' ? null : value.trim());
  return {
    kind: draft.kind as ReportKind,
    category: draft.category as Category,
    subcategory: draft.subcategory === '' ? null : draft.subcategory,
    harm: draft.harm as Harm,
    ncc_merp: draft.category === 'medication' && draft.nccMerp !== '' ? draft.nccMerp : null,
    occurred_on: draft.occurredOn,
    shift: draft.shift === '' ? null : draft.shift,
    department_id: draft.departmentId,
    location: optional(draft.location),
    description: draft.description.trim(),
    immediate_actions: optional(draft.immediateActions),
    contributing_factors: draft.factors,
  };
}

/** The body of POST /reports (named or confidential). */
export function toReportCreate(draft: ReportDraft): ReportCreate {
  return { mode: draft.mode as ReportMode, ...common(draft) };
}

/** The body of POST /anonymous/reports: the same answers and nothing about the sender. */
export function toAnonymousCreate(draft: ReportDraft): AnonymousReportCreate {
  return common(draft);
}

/** Remove every report draft whenever someone signs out here (a shared ward computer). */
export function forgetDraftsOnSignOut(getStorage: () => Storage | null = () => globalThis.localStorage ?? null): () => void {
  return onSessionChange((event) => {
    if (event !== 'signed-out') return;
    try {
      const store = getStorage();
      if (store) discardAllDrafts(store);
    } catch {
      // No storage: nothing was kept.
    }
  });
}
