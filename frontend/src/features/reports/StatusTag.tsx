import type { ReportStatus } from '../../api/types';
import { STATUS } from './labels';

/** A report's status as a badge; the plain explanation is read with it. */
export function StatusTag({ status, explain = false }: { status: ReportStatus; explain?: boolean }) {
  const { label, hint } = STATUS[status];
  return (
    <>
      <span className={`badge status status--${status}`}>{label}</span>
      {explain ? <span className="status__hint"> {hint}</span> : null}
    </>
  );
}
