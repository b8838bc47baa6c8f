import { useEffect } from 'react';
import { holdQuiet } from '../api/client';

/**
 * While the calling page is shown (and `active`), the app's signed-in client sends nothing:
 * no token refresh, no background call. For the anonymous flows, whose requests the server
 * does not log: a signed-in request beside them would place the person there.
 */
export function useQuietFlow(active = true): void {
  useEffect(() => {
    if (!active) return;
    return holdQuiet();
  }, [active]);
}
