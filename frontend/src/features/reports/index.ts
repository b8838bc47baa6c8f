import { lazy } from 'react';
import type { Role } from '../../api/types';
import type { Feature } from '../../app/registry';
import { forgetDraftsOnSignOut } from './draft';
// Not lazy, the anonymous pages and the wizard they use: they are quiet (the server logs neither
// them nor their calls, nor the client's files), and opening one should fetch nothing more.
import AnonymousReportPage from './AnonymousReportPage';
import FollowReportPage from './FollowReportPage';
import ReportWizardPage from './ReportWizardPage';
import './reports.css';

const MyReportsPage = lazy(() => import('./MyReportsPage'));
const ReportQueuePage = lazy(() => import('./ReportQueuePage'));
const ReportPage = lazy(() => import('./ReportPage'));
const LessonsPage = lazy(() => import('./LessonsPage'));
const LessonPage = lazy(() => import('./LessonPage'));

/** Who may report (the server's STAFF: everyone but admin-only and auditor-only accounts). */
const REPORTERS: readonly Role[] = ['staff', 'peer_supporter', 'support_coordinator', 'safety_officer', 'department_lead'];
/** The queue: every report for safety officers, their department's for leads (the server scopes it). */
const QUEUE_READERS: readonly Role[] = ['safety_officer', 'department_lead'];

// A report draft left on a shared ward computer goes when its author signs out.
forgetDraftsOnSignOut();

export const reportsFeature: Feature = {
  id: 'reports',
  routes: [
    { path: 'reports/new', Page: ReportWizardPage, audience: REPORTERS },
    { path: 'reports/mine', Page: MyReportsPage, audience: REPORTERS },
    { path: 'reports', Page: ReportQueuePage, audience: QUEUE_READERS },
    { path: 'reports/:reportId', Page: ReportPage, audience: QUEUE_READERS },
    { path: 'lessons', Page: LessonsPage, audience: 'any' },
    { path: 'lessons/:lessonId', Page: LessonPage, audience: 'any' },
  ],
  publicRoutes: [
    { path: 'report-anonymously', Page: AnonymousReportPage, label: 'Report anonymously', quiet: true },
    { path: 'follow-report', Page: FollowReportPage, label: 'Follow an anonymous report', quiet: true },
  ],
  nav: [
    { label: 'Report an event', to: '/reports/new', section: 'personal', audience: REPORTERS },
    { label: 'Report anonymously', to: '/report-anonymously', section: 'personal', audience: 'any' },
    { label: 'My reports', to: '/reports/mine', section: 'personal', audience: REPORTERS },
    { label: 'Learning feed', to: '/lessons', section: 'personal', audience: 'any' },
    { label: 'Follow an anonymous report', to: '/follow-report', section: 'personal', audience: 'any' },
    // One entry for both: the page is the triage queue for officers, the department's list for leads.
    { label: 'Report queue', to: '/reports', section: 'safety', audience: QUEUE_READERS },
  ],
};
