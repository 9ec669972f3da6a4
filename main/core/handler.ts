import { argSchemas, HandlerError, type ApiError, type Envelope, type Handlers, type Method } from '#contract/index';
import { plainIssues, plainParams } from '#contract/plain';

/** A domain's share of the handler map. */
export type HandlerPart = Partial<Handlers>;

/**
 * Joins the domains' handler parts into the full map. Refuses to start if two domains register
 * the same name, or if a method of the contract has no handler.
 */
export function joinHandlers(parts: HandlerPart[]): Handlers {
  const joined: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [name, fn] of Object.entries(part)) {
      if (name in joined) throw new Error(`Two handlers are registered for "${name}"`);
      joined[name] = fn;
    }
  }
  const missing = Object.keys(argSchemas).filter((m) => !(m in joined));
  if (missing.length > 0) throw new Error(`No handler for contract method(s): ${missing.join(', ')}`);
  return joined as Handlers;
}

/**
 * The one entry every transport goes through: checks the method exists, parses the untrusted
 * arguments against the contract's schema, runs the handler, and wraps the outcome.
 */
export async function dispatch(handlers: Handlers, method: string, rawArgs: unknown): Promise<Envelope<unknown>> {
  if (!Object.hasOwn(argSchemas, method)) {
    return fail({
      code: 'not-found',
      message: `Unknown method "${method}"`,
      hint: 'Update the app: the page and the core disagree.',
    });
  }
  const m = method as Method;
  const parsed = argSchemas[m].safeParse(rawArgs ?? {}, plainParams);
  if (!parsed.success) {
    // The message is the first refusal in words; where it is goes in `field`, never in the text.
    const issues = plainIssues(parsed.error);
    const first = issues[0] ?? { field: '', message: 'These settings are not valid' };
    return fail({
      code: 'bad-request',
      message: first.message,
      ...(first.field ? { field: first.field } : {}),
      ...(issues.length > 1 ? { issues } : {}),
    });
  }
  try {
    const fn = handlers[m] as (a: unknown) => Promise<unknown>;
    return { ok: true, result: await fn(parsed.data) };
  } catch (err) {
    return fail(toApiError(err));
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof HandlerError)
    return {
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.field ? { field: err.field } : {}),
      ...(err.issues ? { issues: err.issues } : {}),
    };
  return { code: 'failed', message: err instanceof Error ? err.message : String(err) };
}

function fail(error: ApiError): Envelope<never> {
  return { ok: false, error };
}
