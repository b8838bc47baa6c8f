import { lazy } from 'react';
import type { Feature } from '../../app/registry';

const ApiKeysPage = lazy(() => import('./ApiKeysPage'));

const ADMIN = ['admin'] as const;

export const integrationsFeature: Feature = {
  id: 'integrations',
  routes: [{ path: 'admin/api-keys', Page: ApiKeysPage, audience: ADMIN }],
  nav: [{ label: 'API keys', to: '/admin/api-keys', section: 'admin', audience: ADMIN }],
};
