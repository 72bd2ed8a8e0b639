/** Data loading for pages: one request's state, and cursor pagination over a list endpoint. */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `key` changes (and on `reload`), dropping answers that arrive after a newer request. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` and `tick` are what say "load again".
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export interface PageOf<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Paged<P extends PageOf<unknown>> extends Loaded<P> {
  page: number;
  hasNext: boolean;
  next(): void;
  previous(): void;
}

/**
 * A cursor-paginated list: `load(cursor)` fetches one page. Going back reuses the cursors seen on the
 * way forward; a new `key` (a changed filter) starts again from the first page. A page may carry more
 * than its rows (counts, for instance): `data` is the whole answer.
 */
export function usePaged<P extends PageOf<unknown>>(
  load: (cursor: string | undefined) => Promise<P>,
  key: string,
): Paged<P> {
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [lastKey, setLastKey] = useState(key);
  if (lastKey !== key) {
    setLastKey(key);
    setCursors([undefined]);
  }
  const cursor = cursors.at(-1);
  const loaded = useLoad(() => load(cursor), `${key}\u0000${cursors.length}\u0000${cursor ?? ''}`);
  const nextCursor = loaded.data?.nextCursor ?? null;
  return {
    ...loaded,
    page: cursors.length,
    hasNext: nextCursor !== null,
    next: () => {
      if (nextCursor) setCursors((c) => [...c, nextCursor]);
    },
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}
