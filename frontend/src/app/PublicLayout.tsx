import { Suspense } from 'react';
import { Link, Outlet } from 'react-router';
import { useAuth } from '../features/auth/useAuth';
import { PRODUCT_NAME } from '../hooks/usePageTitle';
import { AppShell } from './AppShell';

/**
 * The frame of a public page: the usual shell for a signed-in person, otherwise a plain
 * header with a way to sign in. The page itself must work without a session.
 */
export function PublicLayout() {
  const { status } = useAuth();
  if (status === 'restoring') {
    return (
      <p className="page-loading" role="status">
        Loading Haven…
      </p>
    );
  }
  if (status === 'authenticated') return <AppShell />;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <Link to="/sign-in" className="brand">
          {PRODUCT_NAME}
        </Link>
        <Link to="/sign-in" className="public-header__sign-in">
          Sign in
        </Link>
      </header>
      <main id="main" tabIndex={-1} className="app-main app-main--public">
        <Suspense
          fallback={
            <p className="page-loading" role="status">
              Loading…
            </p>
          }
        >
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
