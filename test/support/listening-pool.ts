import { onTestFinished } from 'vitest';
import { TestPool } from './stratum-pool.ts';

/**
 * A TestPool listening on a free port until the test that started it ends. Apart from
 * stratum-pool.ts because the bench commands load that one outside vitest.
 */
export async function listeningPool(options: ConstructorParameters<typeof TestPool>[0]): Promise<TestPool> {
  const pool = new TestPool(options);
  onTestFinished(() => pool.close());
  await pool.listen();
  return pool;
}
