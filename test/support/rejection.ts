/**
 * The error `p` rejects with, for a test to look into (its code, field, hint). Fails the test if
 * `p` resolves, and passes on a rejection of any other class as it is.
 */
export async function rejectionOf<E extends Error>(
  p: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await p;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}`);
}
