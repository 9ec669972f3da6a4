type CallResult = { ok: boolean; result?: unknown; error?: { message: string } };
export function prices2023(): string[][];
export function pricesCsv(now: number): string;
export function ledgerCsv(now: number, days?: number): string;
export function fillWithRealUse(
  call: (method: string, args: unknown) => Promise<CallResult>,
  dataDir: string,
  now?: number,
): Promise<void>;
