// Runs in the renderer: DOM only, no Node.
// One way to load from main: a loading state, then the answer or the error, and only the
// answer to the newest request (an older one that arrives late is dropped).
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

import type { IpcError, IpcResult } from '../../../shared/ipc/errors';

export type Query<T> = { readonly state: 'loading' } | { readonly state: 'ready'; readonly value: T } | { readonly state: 'failed'; readonly error: IpcError };

export type QueryOptions = {
  /** Waits this long after the inputs last changed before asking (typing in a search). */
  readonly delayMs?: number;
  /** A failed refresh keeps the answer on screen instead of replacing it with the error. */
  readonly keepOnError?: boolean;
};

/**
 * Runs `load` now and whenever `deps` change; `refresh()` runs it again and resolves once the
 * answer is on screen; `retry()` shows the loading state first (after a failure). The newest
 * `load` is used at each call.
 */
export function useQuery<T>(
  load: () => Promise<IpcResult<T>>,
  deps: DependencyList,
  options: QueryOptions = {},
): { readonly query: Query<T>; readonly refresh: () => Promise<void>; readonly retry: () => Promise<void> } {
  const [query, setQuery] = useState<Query<T>>({ state: 'loading' });
  const latest = useRef(0);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  const keepOnError = options.keepOnError === true;

  const refresh = useCallback(async () => {
    const ticket = ++latest.current;
    const result = await loader.current();
    if (ticket !== latest.current) return;
    if (result.ok) setQuery({ state: 'ready', value: result.value });
    else setQuery((current) => (keepOnError && current.state === 'ready' ? current : { state: 'failed', error: result.error }));
  }, [keepOnError]);

  const retry = useCallback(async () => {
    setQuery({ state: 'loading' });
    await refresh();
  }, [refresh]);

  const delayMs = options.delayMs ?? 0;
  useEffect(() => {
    if (delayMs <= 0) {
      void refresh();
      return;
    }
    const timer = window.setTimeout(() => void refresh(), delayMs);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps decide when to load again
  }, [...deps, delayMs, refresh]);

  return { query, refresh, retry };
}
