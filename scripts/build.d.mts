export const stampFile: string;
export function buildAll(options?: { quiet?: boolean }): Promise<void>;
