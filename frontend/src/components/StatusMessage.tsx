/** A polite announcement (e.g. "Department created"); the region exists before its text changes. */
export function StatusMessage({ message }: { message: string | null }) {
  return (
    <div role="status" className={message ? 'alert alert--success' : 'visually-hidden'}>
      {message ? <p>{message}</p> : null}
    </div>
  );
}
