import ReportWizardPage from './ReportWizardPage';

/**
 * Report anonymously: the report wizard that can only send an anonymous report, open to
 * anyone, signed in or not. The server does not log this page or its calls; opened directly,
 * the app does not restore the session (the route is quiet), and while it is shown the app's
 * signed-in client sends nothing.
 */
export default function AnonymousReportPage() {
  return <ReportWizardPage anonymousOnly />;
}
