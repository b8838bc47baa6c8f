import { lazy } from 'react';
import { STAFF_ROLES } from '../../api/types';
import type { Feature } from '../../app/registry';

const CheckinPage = lazy(() => import('./CheckinPage'));
const StaffingPage = lazy(() => import('./StaffingPage'));

const LEADS = ['department_lead'] as const;

export const checkinsFeature: Feature = {
  id: 'checkins',
  routes: [
    { path: 'checkin', Page: CheckinPage, audience: STAFF_ROLES },
    { path: 'staffing', Page: StaffingPage, audience: LEADS },
  ],
  nav: [
    { label: 'Check-in', to: '/checkin', section: 'personal', audience: STAFF_ROLES },
    { label: 'Staffing', to: '/staffing', section: 'insights', audience: LEADS },
  ],
};
