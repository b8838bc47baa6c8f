import { lazy } from 'react';
import { STAFF_ROLES } from '../../api/types';
import type { Feature } from '../../app/registry';

const InsightsPage = lazy(() => import('./InsightsPage'));

const VIEWERS = [...STAFF_ROLES, 'admin'] as const;

export const insightsFeature: Feature = {
  id: 'insights',
  routes: [{ path: 'insights', Page: InsightsPage, audience: VIEWERS }],
  nav: [{ label: 'Insights', to: '/insights', section: 'insights', audience: VIEWERS }],
};
