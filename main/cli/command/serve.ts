import { findServer } from '#transport/discovery';
import { startServer } from '../../server/serve.ts';
import { dataDirOf } from '../client.ts';
import { DATA_DIR_DOC, numberOption, UsageError, type Command, textOptions } from '../command.ts';

export const DEFAULT_PORT = 7420;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run Hearth headless and serve its page to a browser (127.0.0.1 only unless --host says otherwise)',
  usage: '[--port N] [--host ADDRESS] [--data-dir DIR]',
  options: { ...textOptions('port', 'host', 'data-dir') },
  docs: {
    port: { value: 'N', text: 'the port to listen on (0: any free port)', default: '7420' },
    host: { value: 'ADDRESS', text: 'the address to bind', default: '127.0.0.1' },
    'data-dir': DATA_DIR_DOC,
  },
  examples: ['hearth serve --port 7420'],
  async run({ values, stopped }) {
    const port = numberOption(values['port'], 'port', { min: 0, max: 65535 }) ?? DEFAULT_PORT;
    const host = typeof values['host'] === 'string' ? values['host'] : '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host expects an address such as 127.0.0.1');
    const dataDir = dataDirOf(values);
    // Two cores on one ledger would both book the same telemetry and both carry out the plan.
    const running = await findServer(dataDir);
    if (running.server) {
      const who = running.server.by === 'app' ? 'The desktop app' : 'Another `hearth serve`';
      throw new UsageError(
        `${who} (pid ${running.server.pid}) is already running on ${dataDir}: use it, stop it first, or give another --data-dir`,
      );
    }
    const server = await startServer({ dataDir, host, port });
    console.log(`Hearth is running. Open ${server.url}`);
    console.log(`data: ${dataDir}`);
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
      console.log(
        `warning: listening on ${host}, reachable from other machines; anyone with the token can control Hearth.`,
      );
    }
    const signal = await stopped;
    console.log(`\n${signal}: stopping (saving the last telemetry, closing the ledger)...`);
    await server.close();
    console.log('stopped cleanly');
    return 0;
  },
};
