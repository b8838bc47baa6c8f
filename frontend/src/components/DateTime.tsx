const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A UTC ISO timestamp shown in the reader's local time, machine-readable in `dateTime`. */
export function DateTime({ value }: { value: string }) {
  const date = new Date(value);
  return <time dateTime={value}>{Number.isNaN(date.getTime()) ? value : FORMAT.format(date)}</time>;
}
