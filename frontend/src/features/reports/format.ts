const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A calendar date (YYYY-MM-DD) in the reader's format; noon avoids a time-zone shift of the day. */
export function formatDay(iso: string): string {
  const date = new Date(`${iso}T12:00:00`);
  return Number.isNaN(date.getTime()) ? iso : DAY.format(date);
}

export function excerpt(text: string, max = 220): string {
  return text.length <= max ? text : `${text.slice(0, max).trimEnd()}…`;
}
