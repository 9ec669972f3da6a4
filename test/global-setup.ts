import { buildNode } from '../scripts/build-node.mjs';

/** Worker threads load built bundles, so tests build them first (esbuild: well under a second). */
export default async function setup(): Promise<void> {
  await buildNode({ quiet: true });
}
