import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export { until } from '../support/until.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cli = path.join(root, 'out', 'node', 'cli.mjs');

export function tempDir(prefix = 'hearth-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type RunningServer = {
  child: ChildProcess;
  url: string;
  origin: string;
  token: string;
  port: number;
  dataDir: string;
  output: () => string;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
};

/** Starts a real `hearth serve` process on a free port and waits for the URL it prints. */
export async function startServe(
  opts: { dataDir?: string; env?: NodeJS.ProcessEnv; args?: string[] } = {},
): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? tempDir();
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])], {
    // The market asks a closed loopback port instead of mempool.space: tests stay on this machine.
    env: { HEARTH_MARKET_URL: 'http://127.0.0.1:9', ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // On 'close' all it printed has been read, so output() is whole once stop() resolves.
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, sig) => resolve(code ?? sig ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Open (https?:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`hearth serve exited (${code}) before listening:\n${out}`));
    });
  });
  const parsed = new URL(url);
  return {
    child,
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    port: Number(parsed.port),
    dataDir,
    output: () => out,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': at exit the last lines may still be in the pipes.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A call to the running server's own API, as its page makes it; a refusal throws its message. */
export async function apiCall<R>(s: RunningServer, method: string, args: unknown = {}): Promise<R> {
  const res = await fetch(`${s.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { ok: true; result: R } | { ok: false; error: { message: string } };
  if (!body.ok) throw new Error(body.error.message);
  return body.result;
}

/** The events the server pushes to its page from now on. */
export async function listen(
  s: RunningServer,
): Promise<{ events: { event: string; payload: unknown }[]; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { authorization: `Bearer ${s.token}` } });
  const events: { event: string; payload: unknown }[] = [];
  ws.on('message', (m: Buffer) => events.push(JSON.parse(m.toString()) as { event: string; payload: unknown }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { events, close: () => ws.close() };
}
