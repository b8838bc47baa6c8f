import { lazy } from 'react';
import type { Feature } from '../../app/registry';

const ProfilePage = lazy(() => import('./ProfilePage'));

export const profileFeature: Feature = {
  id: 'profile',
  routes: [{ path: 'profile', Page: ProfilePage, audience: 'any' }],
  nav: [{ label: 'Profile', to: '/profile', section: 'personal', audience: 'any' }],
};
