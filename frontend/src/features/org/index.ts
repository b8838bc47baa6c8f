import { lazy } from 'react';
import type { Feature } from '../../app/registry';

const DepartmentsPage = lazy(() => import('./DepartmentsPage'));
const DepartmentFormPage = lazy(() => import('./DepartmentFormPage'));
const UsersPage = lazy(() => import('./UsersPage'));
const UserFormPage = lazy(() => import('./UserFormPage'));
const ImportPeoplePage = lazy(() => import('./ImportPeoplePage'));

const ADMIN = ['admin'] as const;

export const orgFeature: Feature = {
  id: 'org',
  routes: [
    { path: 'admin/departments', Page: DepartmentsPage, audience: ADMIN },
    { path: 'admin/departments/new', Page: DepartmentFormPage, audience: ADMIN },
    { path: 'admin/departments/:departmentId', Page: DepartmentFormPage, audience: ADMIN },
    { path: 'admin/users', Page: UsersPage, audience: ADMIN },
    { path: 'admin/users/new', Page: UserFormPage, audience: ADMIN },
    { path: 'admin/users/import', Page: ImportPeoplePage, audience: ADMIN },
    { path: 'admin/users/import/:importId', Page: ImportPeoplePage, audience: ADMIN },
    { path: 'admin/users/:userId', Page: UserFormPage, audience: ADMIN },
  ],
  nav: [
    { label: 'Departments', to: '/admin/departments', section: 'admin', audience: ADMIN },
    { label: 'Users', to: '/admin/users', section: 'admin', audience: ADMIN },
    { label: 'Import people', to: '/admin/users/import', section: 'admin', audience: ADMIN },
  ],
};
