import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Page } from '../api/types';
import { useKeysetList } from './useKeysetList';

interface Item {
  id: string;
  name: string;
}

const item = (id: string, name = id): Item => ({ id, name });

/** Two pages of one query, keyed by cursor; `fail` makes the next read of that cursor throw once. */
function pages(prefix: string) {
  const calls: (string | null)[] = [];
  const failing = new Set<string | null>();
  const load = async (cursor: string | null): Promise<Page<Item>> => {
    calls.push(cursor);
    if (failing.delete(cursor)) throw new Error('offline');
    return cursor === null
      ? { items: [item(`${prefix}1`), item(`${prefix}2`)], next_cursor: 'c2' }
      : { items: [item(`${prefix}3`)], next_cursor: null };
  };
  return { load, calls, fail: (cursor: string | null) => failing.add(cursor) };
}

const ids = (items: Item[]) => items.map((i) => i.id);

describe('useKeysetList', () => {
  it('reads the first page, appends the next on "load more", and stops at the end', async () => {
    const { load, calls } = pages('a');
    const { result } = renderHook(() => useKeysetList(load));
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(ids(result.current.items)).toEqual(['a1', 'a2']));
    expect(result.current.hasMore).toBe(true);

    act(() => result.current.loadMore());
    await waitFor(() => expect(ids(result.current.items)).toEqual(['a1', 'a2', 'a3']));
    expect(result.current.hasMore).toBe(false);
    expect(result.current.loading).toBe(false);
    expect(calls.filter((c) => c === 'c2')).toHaveLength(1);
  });

  it('keeps the list and the way on when "load more" fails, and tries again', async () => {
    const { load, fail } = pages('a');
    const { result } = renderHook(() => useKeysetList(load));
    await waitFor(() => expect(result.current.items).toHaveLength(2));

    fail('c2');
    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.error).not.toBeNull());
    expect(ids(result.current.items)).toEqual(['a1', 'a2']);
    expect(result.current.hasMore).toBe(true);

    act(() => result.current.loadMore());
    await waitFor(() => expect(ids(result.current.items)).toEqual(['a1', 'a2', 'a3']));
    expect(result.current.error).toBeNull();
  });

  it('replaces an item in place, and keeps it when more is read', async () => {
    const { load } = pages('a');
    const { result } = renderHook(() => useKeysetList(load));
    await waitFor(() => expect(result.current.items).toHaveLength(2));

    act(() => result.current.replace(item('a2', 'edited')));
    expect(result.current.items.map((i) => i.name)).toEqual(['a1', 'edited']);
    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.items).toHaveLength(3));
    expect(result.current.items.map((i) => i.name)).toEqual(['a1', 'edited', 'a3']);
  });

  it('starts again from the first page on reload and on a new query', async () => {
    const first = pages('a');
    const second = pages('b');
    const { result, rerender } = renderHook(({ load }) => useKeysetList(load), { initialProps: { load: first.load } });
    await waitFor(() => expect(result.current.items).toHaveLength(2));
    act(() => result.current.loadMore());
    await waitFor(() => expect(result.current.items).toHaveLength(3));

    act(() => result.current.reload());
    await waitFor(() => expect(ids(result.current.items)).toEqual(['a1', 'a2']));
    expect(first.calls).toEqual([null, 'c2', null]);

    rerender({ load: second.load });
    await waitFor(() => expect(ids(result.current.items)).toEqual(['b1', 'b2']));
    expect(second.calls).toEqual([null]);
    expect(result.current.hasMore).toBe(true);
  });
});
