import type { ReactNode } from 'react';
import { useAuth } from '../features/auth/useAuth';
import { usePageTitle } from '../hooks/usePageTitle';
import { canSee, type Audience } from './registry';

function NotPermitted() {
  usePageTitle('Not available');
  return (
    <>
      <h1>Not available</h1>
      <p>Your roles do not include this page. If you need it, ask your Haven administrator.</p>
    </>
  );
}

export function RequireAudience({ audience, children }: { audience: Audience; children: ReactNode }) {
  const { me } = useAuth();
  return canSee(audience, me?.roles ?? []) ? <>{children}</> : <NotPermitted />;
}
