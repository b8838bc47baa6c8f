import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, underLoadMessage, type FormErrors } from '../../api/problem';
import type { AnonymousReportView } from '../../api/types';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useQuietFlow } from '../../hooks/useQuietFlow';
import { listAnonymousMessages, openReportSession, postAnonymousMessage, readAnonymousReport } from './anonymousApi';
import { excerpt, formatDay } from './format';
import { CATEGORY, KIND } from './labels';
import { LessonList } from './LessonList';
import { MessageThread } from './MessageThread';
import { StatusTag } from './StatusTag';

/**
 * Follow an anonymous report with its receipt: open to anyone, signed in or not.
 *
 * The receipt goes to the server in a request body and is then dropped; the short
 * session token lives in this component's state only. Nothing is written to browser
 * storage, the URL or history, so closing the page leaves no trace of the report. While the
 * page is shown the app's signed-in client sends nothing (no refresh, no background call).
 */
const FOLLOW_BUSY = 'Haven is busy right now. Your report is not lost; try again in a moment.';

export default function FollowReportPage() {
  usePageTitle('Follow an anonymous report');
  useQuietFlow();
  const [receipt, setReceipt] = useState('');
  const [token, setToken] = useState<string | null>(null);
  const [report, setReport] = useState<AnonymousReportView | null>(null);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const close = useCallback((message: string | null) => {
    setToken(null);
    setReport(null);
    setNotice(message);
  }, []);

  const ended = useCallback(() => close('Your session on this report has ended. Enter your receipt again to continue.'), [close]);

  useEffect(() => {
    if (report) heading.current?.focus();
  }, [report]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (receipt.trim() === '') {
      setErrors({ formError: null, fieldErrors: { receipt: 'Enter the receipt code you were given.' } });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    setNotice(null);
    try {
      const session = await openReportSession(receipt.trim());
      const view = await readAnonymousReport(session.access_token);
      setReceipt('');
      setToken(session.access_token);
      setReport(view);
    } catch (error) {
      const formErrors = toFormErrors(error, { fields: ['receipt'] });
      if (error instanceof ApiError && error.status === 401) {
        formErrors.formError =
          'That receipt does not match a report. Check it and try again (letters and numbers, dashes optional).';
      }
      // Refused under load (429, 503): calm words; the receipt stays in the field.
      formErrors.formError = underLoadMessage(error, FOLLOW_BUSY) ?? formErrors.formError;
      setErrors(formErrors);
    } finally {
      setBusy(false);
    }
  };

  const refresh = async () => {
    if (!token) return;
    try {
      setReport(await readAnonymousReport(token));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) ended();
      else setErrors(toFormErrors(error));
    }
  };

  const load = useCallback(() => listAnonymousMessages(token ?? ''), [token]);
  const send = useCallback((body: string) => postAnonymousMessage(token ?? '', body), [token]);

  if (token && report) {
    return (
      <>
        <h1 ref={heading} tabIndex={-1}>
          Your anonymous report
        </h1>
        <p className="lead">
          You are seeing this report because you entered its receipt. Nobody can see who you are. When you are done,
          close it: nothing of it stays on this device.
        </p>
        <FormError message={errors.formError} />
        <section className="panel" aria-labelledby="follow-report-title">
          <h2 id="follow-report-title">
            {KIND[report.kind].label}: {CATEGORY[report.category]}
          </h2>
          <p className="card__meta">
            Happened {formatDay(report.occurred_on)} · sent {formatDay(report.submitted_on)}
          </p>
          <p className="card__status">
            Status: <StatusTag status={report.status} explain />
          </p>
          <p className="card__excerpt">{excerpt(report.description, 400)}</p>
          {report.not_actionable_reason ? (
            <div className="outcome">
              <h3>Why no further action</h3>
              <p>{report.not_actionable_reason}</p>
            </div>
          ) : null}
          {report.outcome_summary ? (
            <div className="outcome">
              <h3>What the safety team did</h3>
              <p>{report.outcome_summary}</p>
            </div>
          ) : null}
          {report.lessons.length > 0 ? (
            <div className="outcome">
              <h3>What was learned</h3>
              <LessonList lessons={report.lessons} label="Lessons from your report" />
            </div>
          ) : null}
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => void refresh()}>
              Refresh status
            </button>
            <button type="button" className="button button--secondary" onClick={() => close('The report is closed on this device.')}>
              Close this report
            </button>
          </div>
        </section>
        <MessageThread
          viewer="reporter"
          load={load}
          send={send}
          onUnauthorized={ended}
          title="Messages with the safety team"
        />
      </>
    );
  }

  return (
    <>
      <h1>Follow an anonymous report</h1>
      <p className="lead">
        Enter the receipt you were given when you sent an anonymous report. You will see its status, what was learned,
        and messages from the safety team, and you can answer them. You do not need to sign in.
      </p>
      {notice ? (
        <div className="alert alert--info" role="status">
          <p>{notice}</p>
        </div>
      ) : null}
      <form className="form narrow-form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <FormError message={errors.formError} />
        <TextField
          label="Receipt code"
          name="receipt"
          hint="For example ABCD-EFGH-JKMN-PQRS-TVWX. It is never shown in the address bar or kept on this device."
          value={receipt}
          onChange={(event) => setReceipt(event.target.value)}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={64}
          error={errors.fieldErrors.receipt}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Checking…' : 'Open my report'}
          </button>
        </div>
      </form>
    </>
  );
}
