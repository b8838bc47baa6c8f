import { Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { RequireAuth } from '../features/auth/RequireAuth';
import { SignInPage } from '../features/auth/SignInPage';
import { AppShell } from './AppShell';
import { FEATURES } from './features';
import { NotFoundPage } from './NotFoundPage';
import { HOME_PATH } from './paths';
import { RequireAudience } from './RequireAudience';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      {FEATURES.flatMap((feature) => feature.publicRoutes ?? []).map(({ path, Page }) => (
        <Route
          key={path}
          path={path}
          element={
            <Suspense fallback={<p className="page-loading">Loading…</p>}>
              <Page />
            </Suspense>
          }
        />
      ))}
      <Route
        element={
          <RequireAuth>
            <AppShell />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to={HOME_PATH} replace />} />
        {FEATURES.flatMap((feature) => feature.routes).map(({ path, Page, audience }) => (
          <Route
            key={path}
            path={path}
            element={
              <RequireAudience audience={audience}>
                <Page />
              </RequireAudience>
            }
          />
        ))}
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
