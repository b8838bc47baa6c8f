/**
 * The record describes what happened as system events, without names. Free text that names
 * a participant, or blames someone ("X forgot…"), is not refused by the server; the
 * facilitator is reminded here to describe the system instead.
 */

const BLAME_WORDS =
  /\b(forgot|forgets|forgotten|failed to|fails to|didn'?t|did not|should have|shouldn'?t have|neglected|ignored|careless|not paying attention|wasn'?t paying attention|fault|blame[ds]?|mistake by|incompetent|sloppy|lazy)\b/i;

/** Words too common to count as a name on their own (titles, short words). */
const NOT_A_NAME = new Set(['dr', 'mr', 'mrs', 'ms', 'mx', 'prof', 'the', 'and', 'nurse', 'sister']);

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms of a person's name that may appear in text: the whole name and each part. */
export function nameForms(displayName: string): string[] {
  const whole = displayName.trim();
  if (!whole) return [];
  const parts = whole
    .split(/\s+/)
    .map((p) => p.replace(/[^\p{L}'-]/gu, ''))
    .filter((p) => p.length >= 3 && !NOT_A_NAME.has(p.toLowerCase()));
  return [...new Set([whole, ...parts])];
}

export interface BlameHints {
  /** Participants whose name appears in the text. */
  named: string[];
  /** Whether the text uses words of blame ("forgot", "failed to", "should have" …). */
  blaming: boolean;
}

export function blameHints(text: string, participantNames: readonly string[]): BlameHints {
  const named = participantNames.filter((name) =>
    nameForms(name).some((form) => new RegExp(`(^|[^\\p{L}])${escapeRegExp(form)}($|[^\\p{L}])`, 'iu').test(text)),
  );
  return { named: [...new Set(named)], blaming: BLAME_WORDS.test(text) };
}

/** One reminder for all the texts of a step, or null when there is nothing to say. */
export function blameReminder(texts: readonly string[], participantNames: readonly string[]): string | null {
  const hints = texts.map((t) => blameHints(t, participantNames));
  const named = [...new Set(hints.flatMap((h) => h.named))];
  const blaming = hints.some((h) => h.blaming);
  if (named.length === 0 && !blaming) return null;
  const who = named.length > 0 ? `This names ${named.join(', ')}. ` : '';
  const blame = blaming ? 'It reads as if someone is to blame. ' : '';
  return `${who}${blame}Describe what the system did, not who did it: for example “the bed alarm was not re-armed after the transfer” rather than “X forgot the alarm”.`;
}
