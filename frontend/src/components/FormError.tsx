import { useEffect, useRef, type ReactNode } from 'react';

/**
 * The problem's `detail` at the top of a form. It takes focus when it appears so
 * keyboard and screen-reader users land on what went wrong.
 */
export function FormError({ message, children }: { message: string | null; children?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  if (!message) return null;
  return (
    <div ref={ref} className="alert alert--error" role="alert" tabIndex={-1}>
      <p>{message}</p>
      {children}
    </div>
  );
}
