import { lazy } from 'react';
import type { Feature } from '../../app/registry';

const ProfilePage = lazy(() => import('./ProfilePage'));
const ResetPasswordPage = lazy(() => import('./ResetPasswordPage'));

export const profileFeature: Feature = {
  id: 'profile',
  routes: [{ path: 'profile', Page: ProfilePage, audience: 'any' }],
  // Opened from the emailed link of a password reset, without a session.
  publicRoutes: [{ path: 'reset-password', Page: ResetPasswordPage }],
  nav: [{ label: 'Profile', to: '/profile', section: 'personal', audience: 'any' }],
};
