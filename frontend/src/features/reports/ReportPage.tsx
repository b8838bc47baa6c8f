import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { ReportRead } from '../../api/types';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { useDepartments } from '../org/useDepartments';
import { formatDay } from './format';
import { InvolvedStaffPanel } from './InvolvedStaffPanel';
import { JustCulturePanel } from './JustCulturePanel';
import { CATEGORY, FACTOR, HARM, KIND, MODE, NCC_MERP_TEXT, SHIFT } from './labels';
import { LessonList } from './LessonList';
import { LessonPanel } from './LessonPanel';
import { MessageThread } from './MessageThread';
import { getReport, listMessages, listSubcategories, postMessage } from './reportsApi';
import { StatusTag } from './StatusTag';
import { TriagePanel } from './TriagePanel';
import { WorkflowPanel } from './WorkflowPanel';

function reporterLine(report: ReportRead, isOfficer: boolean): string {
  if (report.mode === 'anonymous') return 'Anonymous: nothing about the reporter is stored, so nobody can see who it was.';
  if (report.reporter) return `${report.reporter.display_name} (${MODE[report.mode].label.toLowerCase()})`;
  if (report.mode === 'confidential' && !isOfficer) return 'Confidential: only the safety team sees who reported it.';
  return 'Sent by an integration (no person).';
}

/** One report: its facts for safety officers and department leads; the safety team's work for officers. */
export default function ReportPage() {
  const { reportId = '' } = useParams();
  const { hasRole } = useAuth();
  const isOfficer = hasRole('safety_officer');
  const departments = useDepartments();
  const loaded = useLoad(useCallback(() => getReport(reportId), [reportId]));
  const report = loaded.data;
  const error = loaded.error;
  const reload = loaded.reload;
  const [flash, setFlash] = useState<string | null>(null);
  // Subcategories only refine the triage form: a failed read shows no error, the form goes without.
  const subcategories = useLoad(isOfficer ? listSubcategories : null).data ?? [];
  const title = report ? `${KIND[report.kind].label}: ${CATEGORY[report.category]}` : 'Report';
  usePageTitle(title);

  const changed = (updated: ReportRead, message: string) => {
    loaded.set(updated);
    setFlash(message);
  };

  const loadMessages = useCallback(() => listMessages(reportId), [reportId]);
  const sendMessage = useCallback((body: string) => postMessage(reportId, body), [reportId]);

  const back = (
    <p className="breadcrumb">
      <Link to="/reports">{isOfficer ? 'Triage queue' : 'Department reports'}</Link>
    </p>
  );

  if (!report) {
    return (
      <>
        {back}
        <h1>Report</h1>
        <FormError message={error}>
          <button type="button" className="button button--secondary" onClick={reload}>
            Try again
          </button>
        </FormError>
        {!error ? <p role="status">Loading the report…</p> : null}
      </>
    );
  }

  const departmentName = departments.byId.get(report.department_id)?.name ?? 'Unknown department';
  return (
    <>
      {back}
      <div className="page-header">
        <h1>{title}</h1>
        <StatusTag status={report.status} />
      </div>
      <StatusMessage message={flash} />
      <FormError message={error} />
      <dl className="details report-details">
        <div>
          <dt>What happened</dt>
          <dd className="prose">{report.description}</dd>
        </div>
        {report.immediate_actions ? (
          <div>
            <dt>Done straight away</dt>
            <dd className="prose">{report.immediate_actions}</dd>
          </div>
        ) : null}
        <div>
          <dt>Where and when</dt>
          <dd>
            {departmentName}
            {report.location ? `, ${report.location}` : ''} · {formatDay(report.occurred_on)}
            {report.shift ? ` · ${SHIFT[report.shift]} shift` : ''}
          </dd>
        </div>
        <div>
          <dt>Kind and category</dt>
          <dd>
            {KIND[report.kind].label} · {CATEGORY[report.category]}
            {report.subcategory ? ` · ${report.subcategory}` : ''}
          </dd>
        </div>
        <div>
          <dt>Harm</dt>
          <dd>
            {HARM[report.harm].label}
            {report.ncc_merp ? ` · NCC MERP ${report.ncc_merp}: ${NCC_MERP_TEXT[report.ncc_merp].hint}` : ''}
          </dd>
        </div>
        <div>
          <dt>Contributing factors</dt>
          <dd>
            {report.contributing_factors.length > 0
              ? report.contributing_factors.map((f) => FACTOR[f].label).join(', ')
              : 'None given'}
          </dd>
        </div>
        <div>
          <dt>Reported by</dt>
          <dd>{reporterLine(report, isOfficer)}</dd>
        </div>
        <div>
          <dt>Received</dt>
          <dd>
            {formatDay(report.submitted_on)} · version {report.version}
          </dd>
        </div>
        {report.not_actionable_reason ? (
          <div>
            <dt>Why no further action</dt>
            <dd className="prose">{report.not_actionable_reason}</dd>
          </div>
        ) : null}
        {report.outcome_summary ? (
          <div>
            <dt>What was done (the reporter reads this)</dt>
            <dd className="prose">{report.outcome_summary}</dd>
          </div>
        ) : null}
        {report.lessons.length > 0 ? (
          <div>
            <dt>Lessons</dt>
            <dd>
              <LessonList lessons={report.lessons} label="Lessons from this report" />
            </dd>
          </div>
        ) : null}
      </dl>
      <p className="report-links">
        <Link to={`/debriefs/new?report_id=${encodeURIComponent(report.id)}`} className="button button--secondary">
          Schedule a debrief
        </Link>
      </p>
      {isOfficer ? (
        <>
          <WorkflowPanel report={report} onChanged={changed} onReload={reload} />
          <TriagePanel
            key={report.version}
            report={report}
            departments={departments.departments}
            subcategories={subcategories}
            onChanged={changed}
            onReload={reload}
          />
          <InvolvedStaffPanel reportId={report.id} departmentsById={departments.byId} />
          <JustCulturePanel reportId={report.id} />
          {report.mode === 'anonymous' || report.reporter ? (
            <MessageThread
              viewer="safety_team"
              load={loadMessages}
              send={sendMessage}
              title={report.mode === 'anonymous' ? 'Messages with the anonymous reporter' : 'Messages with the reporter'}
            />
          ) : null}
          <LessonPanel
            report={report}
            onPublished={(lesson) => {
              setFlash(`Lesson “${lesson.title}” published to the learning feed.`);
              reload();
            }}
          />
        </>
      ) : null}
    </>
  );
}
