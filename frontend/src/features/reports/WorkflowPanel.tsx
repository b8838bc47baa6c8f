import { useState, type FormEvent } from 'react';
import type { ReportRead, ReportStatus } from '../../api/types';
import { NO_WRITE_ERRORS, WriteError, writeErrors, type WriteErrors } from './conflicts';
import { TextAreaField } from './fields';
import { STATUS, TRANSITION } from './labels';
import { transitionReport } from './reportsApi';
import { StatusTag } from './StatusTag';

interface Props {
  report: ReportRead;
  onChanged(report: ReportRead, message: string): void;
  onReload(): void;
}

/** The workflow buttons: only the moves the server allows from here, each sent with If-Match. */
export function WorkflowPanel({ report, onChanged, onReload }: Props) {
  const [errors, setErrors] = useState<WriteErrors>(NO_WRITE_ERRORS);
  const [busy, setBusy] = useState(false);
  const [askingReason, setAskingReason] = useState(false);
  const [reason, setReason] = useState('');

  const move = async (to: ReportStatus, why: string | null) => {
    setBusy(true);
    setErrors(NO_WRITE_ERRORS);
    try {
      const updated = await transitionReport(report, to, why);
      setAskingReason(false);
      setReason('');
      onChanged(updated, `Status is now “${STATUS[updated.status].label}”.`);
    } catch (error) {
      setErrors(writeErrors(error, { fields: ['reason'] }));
    } finally {
      setBusy(false);
    }
  };

  const onReasonSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (reason.trim() === '') {
      setErrors({ ...NO_WRITE_ERRORS, fieldErrors: { reason: 'Say why; the reporter will see it.' } });
      return;
    }
    void move('not_actionable', reason.trim());
  };

  return (
    <section className="panel" aria-labelledby="workflow-title">
      <h2 id="workflow-title">Workflow</h2>
      <p>
        Status: <StatusTag status={report.status} explain />
      </p>
      <WriteError errors={errors} onReload={onReload} />
      {report.allowed_transitions.length === 0 ? (
        <p className="lead">No further moves: this report’s workflow has ended.</p>
      ) : (
        <div className="form__actions">
          {report.allowed_transitions.map((to) =>
            to === 'not_actionable' ? (
              <button
                key={to}
                type="button"
                className="button button--secondary"
                disabled={busy}
                aria-expanded={askingReason}
                onClick={() => setAskingReason((v) => !v)}
              >
                {TRANSITION[to]}…
              </button>
            ) : (
              <button key={to} type="button" className="button button--primary" disabled={busy} onClick={() => void move(to, null)}>
                {TRANSITION[to]}
              </button>
            ),
          )}
        </div>
      )}
      {askingReason ? (
        <form className="form subform" onSubmit={onReasonSubmit} noValidate>
          <TextAreaField
            label="Why is no further action needed?"
            hint="The reporter sees this reason. Keep it plain and kind."
            value={reason}
            maxLength={2000}
            rows={3}
            onChange={(event) => setReason(event.target.value)}
            error={errors.fieldErrors.reason}
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              Confirm: no further action
            </button>
            <button type="button" className="button button--secondary" onClick={() => setAskingReason(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
