import { useCallback, useEffect, useRef, useState } from 'react';
import { toFormErrors } from '../api/problem';
import type { Page } from '../api/types';

export interface KeysetList<T> {
  items: T[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
  reload(): void;
  /** Replace one item in place (after an edit), matched by id. */
  replace(item: T): void;
}

/**
 * A list read page by page with the API's opaque `next_cursor`. `load` must be
 * stable for one query (wrap it in useCallback with the filters as deps): a new
 * `load` starts the list again from the first page.
 */
export function useKeysetList<T extends { id: string }>(
  load: (cursor: string | null) => Promise<Page<T>>,
): KeysetList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  // Ignore answers to superseded requests (filters changed while loading).
  const requestSeq = useRef(0);

  const fetchPage = useCallback(
    async (from: string | null, append: boolean) => {
      const seq = ++requestSeq.current;
      setLoading(true);
      setError(null);
      try {
        const page = await load(from);
        if (seq !== requestSeq.current) return;
        setItems((prev) => (append ? [...prev, ...page.items] : page.items));
        setCursor(page.next_cursor ?? null);
      } catch (err) {
        if (seq !== requestSeq.current) return;
        setError(toFormErrors(err).formError);
      } finally {
        if (seq === requestSeq.current) setLoading(false);
      }
    },
    [load],
  );

  useEffect(() => {
    void fetchPage(null, false);
  }, [fetchPage, generation]);

  return {
    items,
    hasMore: cursor !== null,
    loading,
    error,
    loadMore: () => {
      if (cursor !== null && !loading) void fetchPage(cursor, true);
    },
    reload: () => setGeneration((g) => g + 1),
    replace: (item: T) => setItems((prev) => prev.map((it) => (it.id === item.id ? item : it))),
  };
}
