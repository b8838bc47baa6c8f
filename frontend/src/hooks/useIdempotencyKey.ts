import { useCallback, useRef } from 'react';
import { randomId } from '../api/headers';

/**
 * An Idempotency-Key for one create form. The same key is reused only when a
 * submit got no answer (network failure), so the server can deduplicate that
 * retry; after any answer the next submit gets a fresh key, because the same
 * key with a corrected body would be refused.
 */
export function useIdempotencyKey(): { current(): string; renew(): void } {
  const key = useRef<string | null>(null);
  const current = useCallback(() => (key.current ??= randomId()), []);
  const renew = useCallback(() => {
    key.current = null;
  }, []);
  return { current, renew };
}
