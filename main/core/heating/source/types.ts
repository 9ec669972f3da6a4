/** What an indoor source reports to the heating module. */
export type SourceSink = {
  reading(c: number, at: number): void;
  /** The source failed; `reason` says what and what to do. */
  error(reason: string): void;
};

export type SourceRunner = { stop(): void | Promise<void> };

/** A reading nobody could mean for a room: a wrong entity or path, or a unit mix-up. */
export function implausible(c: number): boolean {
  return c < -40 || c > 60;
}

export class SourceError extends Error {
  /** The source may work again by itself (unreachable now); settings may still be saved. */
  readonly transient: boolean;
  /** The setting to fix (a key of the source: url, token, entityId, topic, jsonPath, username), when one is to blame. */
  readonly field: string | null;
  constructor(message: string, options: { transient?: boolean; field?: string } = {}) {
    super(message);
    this.name = 'SourceError';
    this.transient = options.transient ?? false;
    this.field = options.field ?? null;
  }
}
