import { useCallback, useId, useState } from 'react';
import { Link } from 'react-router';
import type { MyReport } from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useDepartments } from '../org/useDepartments';
import { excerpt, formatDay } from './format';
import { CATEGORY, KIND, MODE } from './labels';
import { LessonList } from './LessonList';
import { MessageThread } from './MessageThread';
import { listMessages, listMyReports, postMessage } from './reportsApi';
import { StatusTag } from './StatusTag';

export default function MyReportsPage() {
  usePageTitle('My reports');
  const load = useCallback((cursor: string | null) => listMyReports(cursor), []);
  const list = useKeysetList<MyReport>(load);
  const departments = useDepartments();

  return (
    <>
      <div className="page-header">
        <h1>My reports</h1>
        <Link to="/reports/new" className="button button--primary">
          Report an event
        </Link>
      </div>
      <p className="lead">
        The reports you sent with your name or confidentially, what became of them and what was learned. Anonymous
        reports are not listed here (nothing links them to you): follow those with their receipt under{' '}
        <Link to="/follow-report">Follow an anonymous report</Link>.
      </p>
      <FormError message={list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading your reports…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>You have not sent a report yet.</p> : null}
      <ul className="card-list" aria-label="My reports">
        {list.items.map((report) => (
          <MyReportCard
            key={report.id}
            report={report}
            departmentName={departments.byId.get(report.department_id)?.name ?? null}
          />
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}

function MyReportCard({ report, departmentName }: { report: MyReport; departmentName: string | null }) {
  const id = useId();
  const [showThread, setShowThread] = useState(false);
  const load = useCallback(() => listMessages(report.id), [report.id]);
  const send = useCallback((body: string) => postMessage(report.id, body), [report.id]);
  const title = `${KIND[report.kind].label}: ${CATEGORY[report.category]}`;
  return (
    <li className="card card--stacked">
      <div className="card__main">
        <h2 className="card__title" id={`${id}-title`}>
          {title}
        </h2>
        <p className="card__meta">
          Happened {formatDay(report.occurred_on)}
          {departmentName ? ` in ${departmentName}` : ''} · sent {formatDay(report.submitted_on)} ·{' '}
          {MODE[report.mode].label}
        </p>
        <p className="card__status">
          <StatusTag status={report.status} explain />
        </p>
        <p className="card__excerpt">{excerpt(report.description)}</p>
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
            <LessonList lessons={report.lessons} label={`Lessons from ${title}`} />
          </div>
        ) : null}
      </div>
      <div className="card__actions">
        <button
          type="button"
          className="button button--secondary"
          aria-expanded={showThread}
          onClick={() => setShowThread((v) => !v)}
        >
          {showThread ? 'Hide messages' : 'Messages with the safety team'}
        </button>
      </div>
      {showThread ? <MessageThread viewer="reporter" load={load} send={send} title="Messages with the safety team" /> : null}
    </li>
  );
}
