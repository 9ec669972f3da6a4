export const nodeOut: string;
export function buildNode(options?: { quiet?: boolean }): Promise<void>;
