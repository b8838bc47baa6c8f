import { BrowserRouter } from 'react-router';
import { AppRoutes } from './app/AppRoutes';
import { FEATURES } from './app/features';
import { AuthProvider } from './features/auth/AuthProvider';

const QUIET_PAGES = FEATURES.flatMap((feature) => feature.publicRoutes ?? [])
  .filter((route) => route.quiet)
  .map((route) => `/${route.path}`);

/** Opened on a quiet page, the session is restored only when a page needs it. */
function isQuietPage(pathname: string): boolean {
  return QUIET_PAGES.some((page) => pathname === page || pathname.startsWith(`${page}/`));
}

export function App() {
  return (
    <AuthProvider deferRestore={isQuietPage}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </AuthProvider>
  );
}
