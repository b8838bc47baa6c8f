import { useCallback, useEffect, useRef, useState } from 'react';
import { toFormErrors } from '../api/problem';

/** Reads one value; `signal` aborts when the read is superseded or the page goes (for a delay before it). */
export type Loader<T> = (signal: AbortSignal) => Promise<T>;

export interface Loaded<T> {
  /** The last value read. Kept while a reload or a new `load` runs; null before the first, and while `load` is null. */
  data: T | null;
  loading: boolean;
  /** What the page shows when the read failed (problem details in words). */
  error: string | null;
  /** Read again with the same `load`. */
  reload(): void;
  /** Replace the value in place (after an edit the server answered with the new one). */
  set(value: T | ((previous: T | null) => T)): void;
}

/**
 * One value a page shows, read from the API when the page opens (see the README's "Loading
 * data"). `load` must be stable for one query (wrap it in useCallback with its arguments as
 * deps): a new `load` reads again, and answers to superseded reads are dropped. A null `load`
 * reads nothing (not needed, or not allowed for this person).
 *
 * `onLoad` runs with each value read (not with `set`), in the same render as `data`: for a
 * form that edits a copy of what was read, it fills the fields.
 */
export function useLoad<T>(load: Loader<T> | null, onLoad?: (value: T) => void): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(load !== null);
  const [generation, setGeneration] = useState(0);
  const onLoadLatest = useRef(onLoad);
  useEffect(() => {
    onLoadLatest.current = onLoad;
  });

  useEffect(() => {
    if (load === null) {
      setData(null);
      setError(null);
      setLoading(false);
      return;
    }
    const superseded = new AbortController();
    setLoading(true);
    setError(null);
    load(superseded.signal).then(
      (value) => {
        if (superseded.signal.aborted) return;
        onLoadLatest.current?.(value);
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (superseded.signal.aborted) return;
        setError(toFormErrors(err).formError);
        setLoading(false);
      },
    );
    return () => superseded.abort();
  }, [load, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload, set: setData };
}

/** Wait before a read (a search as the person types): resolves after `ms`, rejects once `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
