import { lazy } from 'react';
import type { Feature } from '../../app/registry';

const AuditPage = lazy(() => import('./AuditPage'));

const AUDITOR = ['auditor'] as const;

export const auditFeature: Feature = {
  id: 'audit',
  routes: [{ path: 'audit', Page: AuditPage, audience: AUDITOR }],
  nav: [{ label: 'Audit log', to: '/audit', section: 'audit', audience: AUDITOR }],
};
