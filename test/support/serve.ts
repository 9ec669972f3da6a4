import { onTestFinished } from 'vitest';
import { startServer, type Server } from '../../main/server/serve.ts';
import { quiet } from './quiet-log.ts';

/** `hearth serve` in this process on a free loopback port, with no page to serve, until the test ends. */
export async function serveForTest(dataDir: string): Promise<Server> {
  const s = await startServer({ dataDir, host: '127.0.0.1', port: 0, staticDir: null, log: quiet });
  onTestFinished(() => s.close());
  return s;
}
