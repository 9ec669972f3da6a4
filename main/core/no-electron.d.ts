// main/core/tsconfig.json maps `electron` here, so any import from it in the core fails to
// type-check ("has no exported member"): the core must run under plain Node.
export type ElectronIsNotAvailableInTheCore = never;
