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

/** One refused field: its path in the arguments sent (for the form to find its input) and the words. */
export type FieldIssue = { field: string; message: string };

/**
 * A form refused before anything was sent: the contract's schema (or a number box holding what is
 * not a number) found `issues`. The message is the first one's; the form shows each at its field.
 */
export class FieldsError extends Error {
  readonly issues: FieldIssue[];
  readonly hint: string;
  constructor(issues: FieldIssue[]) {
    super(issues[0]?.message ?? 'Check the marked fields');
    this.name = 'FieldsError';
    this.issues = issues;
    this.hint =
      issues.length > 1
        ? `Nothing was saved: ${issues.length} fields need a fix, each marked where it is.`
        : 'Nothing was saved: fix the marked field and try again.';
  }
}

/**
 * The fields an error is about: a form's own refusal, or the core's (`issues`, else its one
 * `field`); none for an error that is about no field (a provider that is down).
 */
export function issuesOf(error: Error | undefined): FieldIssue[] {
  if (!error) return [];
  const e = error as Error & { issues?: FieldIssue[]; field?: string };
  if (e.issues && e.issues.length > 0) return e.issues;
  return e.field ? [{ field: e.field, message: e.message }] : [];
}

export type Action = {
  /** True while the call runs: its button waits rather than sending twice. */
  busy: boolean;
  error: Error | undefined;
  /** For a refusal found before anything is sent (a field that is not a number). */
  setError: (error: Error | undefined) => void;
  /**
   * Clears the last error and runs `call`; `then` gets its result, a failure (or an error thrown
   * while building the request) becomes `error`.
   */
  run: <R>(call: () => Promise<R>, then?: (result: R) => void) => void;
};

/** A call the person starts (save, start, test): its busy flag and its error, kept together. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const run = useCallback(<R>(call: () => Promise<R>, then?: (result: R) => void) => {
    setBusy(true);
    setError(undefined);
    new Promise<R>((resolve) => resolve(call())).then(
      (result) => {
        setBusy(false);
        then?.(result);
      },
      (err: Error) => {
        setBusy(false);
        setError(err);
      },
    );
  }, []);
  return { busy, error, setError, run };
}

export type Save = Action & {
  /** True once a save went through, until the form is edited or saved again. */
  saved: boolean;
  edited: () => void;
};

/** A form's Save: an action that also says whether what the form shows is what was stored. */
export function useSave(): Save {
  const action = useAction();
  const [saved, setSaved] = useState(false);
  const { run: runAction } = action;
  const run = useCallback(
    <R>(call: () => Promise<R>, then?: (result: R) => void) => {
      setSaved(false);
      runAction(call, (result) => {
        setSaved(true);
        then?.(result);
      });
    },
    [runAction],
  );
  const edited = useCallback(() => setSaved(false), []);
  return { ...action, run, saved, edited };
}
