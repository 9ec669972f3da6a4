// The logger type on its own, below module.ts: code that only logs (the Stratum client, the miner)
// must not depend on the module framework, which imports every domain's service and so closes an
// import cycle back into mining.
export type Logger = {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
};
