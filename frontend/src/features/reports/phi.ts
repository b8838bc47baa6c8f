/**
 * A warning, not a filter: free text that looks like a patient identifier (a medical
 * record number or a date of birth). Reports ask for no patient identifiers
 * (DESIGN.md, "Reports"); this helps the reporter notice one before sending. It
 * errs on the side of warning, and the person decides.
 */

export type PhiKind = 'record_number' | 'date_of_birth';

export interface PhiFinding {
  kind: PhiKind;
  /** The text that matched, as written. */
  text: string;
}

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';

// A labelled identifier: "MRN 12345", "MR#: A12-345", "hospital number 998877", "NHS no. 943 476 5919".
const LABELLED_ID = new RegExp(
  String.raw`\b(?:mrn|mr\s?#|mr\s?no\.?|medical record(?:\s+(?:no\.?|number|#))?|record\s+(?:no\.?|number)|hospital\s+(?:no\.?|number|id)|patient\s+(?:id|no\.?|number)|nhs\s*(?:no\.?|number|#)?|chi\s+(?:no\.?|number)|urn)\s*[:#.]?\s*([A-Z]{0,3}[-\s]?\d[\d\s-]{3,14}\d)`,
  'gi',
);
// A bare run of 6 to 12 digits (optionally with one letter prefix), or an NHS-style 3-3-4 number.
const BARE_ID = /(?<![\d.,/:-])(?:[A-Z]{1,2}\d{6,12}|\d{6,12}|\d{3}[ -]\d{3}[ -]\d{4})(?![\d.,/:]?\d)/gi;

// Dates: 12/03/1985, 12-03-85, 1985-03-12, 12 March 1985, March 12, 1985.
const NUMERIC_DATE = /\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b/g;
const ISO_DATE = /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g;
const WORD_DATE = new RegExp(
  String.raw`\b(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:${MONTHS})\.?,?\s+(\d{4})|(?:${MONTHS})\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(\d{4}))\b`,
  'gi',
);
const BIRTH_WORDS = /(?:\bdob\b|\bd\.o\.b\.?|\bdate\s+of\s+birth\b|\bborn(?:\s+on|\s+in)?\b|\bbirth\s*date\b|\bbirthday\b)\s*[:\-]?\s*$/i;

function fullYear(raw: string, currentYear: number): number {
  if (raw.length === 4) return Number(raw);
  const two = Number(raw);
  // Two-digit years: the most recent past century reading.
  const century = Math.floor(currentYear / 100) * 100;
  return century + two > currentYear ? century - 100 + two : century + two;
}

interface DateMatch {
  text: string;
  index: number;
  year: number;
}

function findDates(text: string, currentYear: number): DateMatch[] {
  const found: DateMatch[] = [];
  for (const m of text.matchAll(ISO_DATE)) {
    found.push({ text: m[0], index: m.index, year: Number(m[1]) });
  }
  for (const m of text.matchAll(NUMERIC_DATE)) {
    if (found.some((f) => m.index >= f.index && m.index < f.index + f.text.length)) continue;
    found.push({ text: m[0], index: m.index, year: fullYear(m[3]!, currentYear) });
  }
  for (const m of text.matchAll(WORD_DATE)) {
    found.push({ text: m[0], index: m.index, year: Number(m[1] ?? m[2]) });
  }
  return found;
}

/**
 * What in `text` looks like a patient identifier. A date counts as a date of birth
 * when words like "DOB" or "born" come just before it, or when it lies more than a
 * year back (events reported here are recent; birth dates are not).
 */
export function detectPhi(text: string, today: Date = new Date()): PhiFinding[] {
  if (!text) return [];
  const currentYear = today.getFullYear();
  const findings: PhiFinding[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (start: number, end: number) => taken.some(([s, e]) => start < e && end > s);
  const add = (kind: PhiKind, match: string, start: number) => {
    const trimmed = match.trim();
    const end = start + match.length;
    if (overlaps(start, end)) return;
    taken.push([start, end]);
    if (!findings.some((f) => f.kind === kind && f.text === trimmed)) findings.push({ kind, text: trimmed });
  };

  for (const date of findDates(text, currentYear)) {
    const before = text.slice(Math.max(0, date.index - 24), date.index);
    if (BIRTH_WORDS.test(before) || date.year < currentYear - 1) add('date_of_birth', date.text, date.index);
  }
  for (const m of text.matchAll(LABELLED_ID)) add('record_number', m[0], m.index);
  for (const m of text.matchAll(BARE_ID)) add('record_number', m[0], m.index);
  return findings;
}

/** One sentence for a finding, to show beside the field. */
export function describeFinding(finding: PhiFinding): string {
  return finding.kind === 'record_number'
    ? `“${finding.text}” looks like a medical record number.`
    : `“${finding.text}” looks like a date of birth.`;
}
