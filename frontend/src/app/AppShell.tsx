import { Suspense, useEffect, useRef, useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { PRODUCT_NAME } from '../hooks/usePageTitle';
import { AppNav } from './AppNav';
import { HOME_PATH } from './paths';
import { UserMenu } from './UserMenu';

export function AppShell() {
  const [navOpen, setNavOpen] = useState(false);
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After client-side navigation, move focus to the new page (as a page load
  // would) and close the mobile menu.
  useEffect(() => {
    setNavOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [location.pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="app-header">
        <button
          type="button"
          className="menu-button"
          aria-expanded={navOpen}
          aria-controls="app-nav"
          onClick={() => setNavOpen((open) => !open)}
        >
          <span aria-hidden="true" className="menu-button__icon" />
          Menu
        </button>
        <Link to={HOME_PATH} className="brand">
          {PRODUCT_NAME}
        </Link>
        <UserMenu />
      </header>
      <div className="app-body">
        <AppNav id="app-nav" open={navOpen} onNavigate={() => setNavOpen(false)} />
        <main id="main" ref={mainRef} tabIndex={-1} className="app-main">
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
    </div>
  );
}
