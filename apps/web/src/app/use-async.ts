import { useCallback, useEffect, useRef, useState } from 'react';

export type AsyncState<T> = { status: 'loading'; data: T | null; error: null } | { status: 'ready'; data: T; error: null } | { status: 'error'; data: T | null; error: unknown };

/**
 * Runs `load` when its dependencies change and on `reload()`; keeps the last data while
 * reloading, ignores answers that arrive after a newer request started.
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading', data: null, error: null });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((previous) => ({ status: 'loading', data: previous.data, error: null }));
    loadRef.current().then(
      (data) => {
        if (generation.current === mine) setState({ status: 'ready', data, error: null });
      },
      (error: unknown) => {
        if (generation.current === mine) setState((previous) => ({ status: 'error', data: previous.data, error }));
      },
    );
  }, []);

  useEffect(run, deps);
  return { ...state, reload: run };
}

/** Calls `tick` every `ms` while `active`; stops on unmount. */
export function useInterval(tick: () => void, ms: number, active = true): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => tickRef.current(), ms);
    return () => window.clearInterval(timer);
  }, [ms, active]);
}
