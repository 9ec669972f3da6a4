import { useCallback, useEffect, useRef, useState } from 'react';
import type { Args, EventName, Events, Method, Result } from '#contract/index';
import { api } from './client.ts';

export type CallState<R> = { data: R | undefined; error: Error | undefined; loading: boolean; reload: () => void };

/** Calls a contract method when `key` changes and keeps the latest result. */
export function useCall<M extends Method>(method: M, args: Args<M>, key: unknown[] = []): CallState<Result<M>> {
  const [state, setState] = useState<{ data: Result<M> | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const argsRef = useRef(args);
  argsRef.current = args;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api.send(method, argsRef.current).then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: Error) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [method, tick, ...key]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The latest payload of a pushed event (undefined until the first arrives). */
export function useEvent<E extends EventName>(event: E): Events[E] | undefined {
  const [value, setValue] = useState<Events[E] | undefined>(undefined);
  useEffect(() => api.on(event, setValue), [event]);
  return value;
}

/** Every payload of an event, newest last, capped at `limit` (for live charts). */
export function useEventSeries<E extends EventName>(event: E, limit: number): Events[E][] {
  const [values, setValues] = useState<Events[E][]>([]);
  useEffect(() => api.on(event, (p) => setValues((v) => [...v.slice(-(limit - 1)), p])), [event, limit]);
  return values;
}
