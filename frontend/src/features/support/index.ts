import { lazy } from 'react';
import type { Role } from '../../api/types';
import type { Feature } from '../../app/registry';

const GetSupportPage = lazy(() => import('./GetSupportPage'));
const MyRequestsPage = lazy(() => import('./MyRequestsPage'));
const RequestPage = lazy(() => import('./RequestPage'));
const InboxPage = lazy(() => import('./InboxPage'));
const AvailabilityPage = lazy(() => import('./AvailabilityPage'));
const BoardPage = lazy(() => import('./BoardPage'));
const RosterPage = lazy(() => import('./RosterPage'));
const OutreachPage = lazy(() => import('./OutreachPage'));
const MetricsPage = lazy(() => import('./MetricsPage'));
const ResourcesAdminPage = lazy(() => import('./ResourcesAdminPage'));
const CrisisPage = lazy(() => import('./CrisisPage'));

/** Everyone who may ask for support (admins and auditors hold accounts for their function). */
const STAFF: readonly Role[] = ['staff', 'peer_supporter', 'support_coordinator', 'safety_officer', 'department_lead'];
const SUPPORTER: readonly Role[] = ['peer_supporter'];
const COORDINATOR: readonly Role[] = ['support_coordinator'];

export const supportFeature: Feature = {
  id: 'support',
  routes: [
    { path: 'support', Page: GetSupportPage, audience: STAFF },
    { path: 'support/mine', Page: MyRequestsPage, audience: STAFF },
    { path: 'support/requests/:requestId', Page: RequestPage, audience: STAFF },
    { path: 'support/inbox', Page: InboxPage, audience: SUPPORTER },
    { path: 'support/availability', Page: AvailabilityPage, audience: SUPPORTER },
    { path: 'support/board', Page: BoardPage, audience: COORDINATOR },
    { path: 'support/roster', Page: RosterPage, audience: COORDINATOR },
    { path: 'support/outreach', Page: OutreachPage, audience: COORDINATOR },
    { path: 'support/metrics', Page: MetricsPage, audience: COORDINATOR },
    { path: 'admin/support-resources', Page: ResourcesAdminPage, audience: ['admin'] },
  ],
  publicRoutes: [{ path: 'help', Page: CrisisPage }],
  nav: [
    { label: 'Get support', to: '/support', section: 'support', audience: STAFF },
    { label: 'My requests', to: '/support/mine', section: 'support', audience: STAFF },
    { label: 'Supporter inbox', to: '/support/inbox', section: 'support', audience: SUPPORTER },
    { label: 'Availability', to: '/support/availability', section: 'support', audience: SUPPORTER },
    { label: 'Support board', to: '/support/board', section: 'support', audience: COORDINATOR },
    { label: 'Outreach', to: '/support/outreach', section: 'support', audience: COORDINATOR },
    { label: 'Roster', to: '/support/roster', section: 'support', audience: COORDINATOR },
    { label: 'Program figures', to: '/support/metrics', section: 'support', audience: COORDINATOR },
    { label: 'Crisis contacts', to: '/admin/support-resources', section: 'admin', audience: ['admin'] },
  ],
};
