import { useCallback, useState } from 'react';
import type { Page } from '../api/types';
import { useLoad } from './useLoad';

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

interface Pages<T> {
  items: T[];
  next_cursor: string | null;
}

/** The pages read so far and where to go on: what the next read appends to. */
interface Next<T> extends Pages<T> {
  /** The query these pages answered; a new one starts again from the first page. */
  load: (cursor: string | null) => Promise<Page<T>>;
}

/**
 * A list read page by page with the API's opaque `next_cursor`. `load` must be
 * stable for one query (wrap it in useCallback with the filters as deps): a new
 * `load` starts the list again from the first page.
 *
 * Built on useLoad: the value read is the list so far, and "load more" is one more
 * read that appends a page to it (the list stays shown while it runs).
 */
export function useKeysetList<T extends { id: string }>(
  load: (cursor: string | null) => Promise<Page<T>>,
): KeysetList<T> {
  const [next, setNext] = useState<Next<T> | null>(null);
  const after = next?.load === load ? next : null;
  const read = useCallback(async (): Promise<Pages<T>> => {
    const page = await load(after?.next_cursor ?? null);
    return { items: after ? [...after.items, ...page.items] : page.items, next_cursor: page.next_cursor ?? null };
  }, [load, after]);
  const list = useLoad(read);
  const cursor = list.data?.next_cursor ?? null;

  return {
    items: list.data?.items ?? [],
    hasMore: cursor !== null,
    loading: list.loading,
    error: list.error,
    loadMore: () => {
      if (list.data !== null && cursor !== null && !list.loading) setNext({ load, ...list.data });
    },
    reload: () => {
      if (after) setNext(null);
      else list.reload();
    },
    replace: (item: T) =>
      list.set((prev) => ({
        items: (prev?.items ?? []).map((it) => (it.id === item.id ? item : it)),
        next_cursor: prev?.next_cursor ?? null,
      })),
  };
}
