/**
 * Stratum V1 client: one connection at a time to the first healthy pool of a list. It speaks
 * subscribe/authorize/notify/set_difficulty/submit, set_extranonce (and extranonce.subscribe where
 * the pool option asks for it), client.reconnect (only within the configured pool's domain), and
 * survives anything a pool sends: bad JSON, oversized lines, wrong types or silence each end the
 * connection with a logged reason and a reconnect (exponential backoff with jitter, failover to the
 * next pool, fail-back to the first once the current one has been stable for a while).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '#core/module';
import type { StratumJob } from './job.ts';

export type PoolConfig = {
  /** stratum+tcp://host:port or stratum+ssl://host:port */
  url: string;
  user: string;
  password: string;
  /** Send mining.extranonce.subscribe after authorizing (only pools that support it). */
  extranonceSubscribe?: boolean;
};

export type ParsedPoolUrl = { tls: boolean; host: string; port: number };

/** Checks a pool URL and says exactly what is wrong with it. */
export function parsePoolUrl(url: string): ParsedPoolUrl {
  const m = /^(stratum\+tcp|stratum\+ssl|stratum\+tls|tcp|ssl):\/\/\[?([^\]/:]+)\]?:(\d+)\/?$/i.exec(url.trim());
  if (!m) {
    if (!/^[a-z+]+:\/\//i.test(url)) throw new Error(`pool URL "${url}" has no scheme: write it as stratum+tcp://host:port (or stratum+ssl://host:port)`);
    if (!/^(stratum\+tcp|stratum\+ssl|stratum\+tls|tcp|ssl):\/\//i.test(url)) throw new Error(`pool URL "${url}" is not a Stratum URL: it must start with stratum+tcp:// or stratum+ssl://`);
    throw new Error(`pool URL "${url}" needs a host and a port, e.g. stratum+tcp://pool.example.com:3333`);
  }
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`pool URL "${url}": port ${port} is outside 1..65535`);
  return { tls: /ssl|tls/i.test(m[1]!), host: m[2]!, port };
}

export type StratumStatus = {
  state: 'idle' | 'connecting' | 'subscribing' | 'mining' | 'waiting';
  poolIndex: number;
  url: string | null;
  difficulty: number | null;
  lastError: string | null;
  /** When the next connection attempt happens (ms, client clock) while waiting. */
  retryInMs: number | null;
  versionRollingMask: number | null;
};

export type SubmitResult = { accepted: true } | { accepted: false; reason: string };

export type StratumOptions = {
  pools: PoolConfig[];
  log: Logger;
  userAgent?: string;
  onJob(job: StratumJob): void;
  onStatus?(status: StratumStatus): void;
  /** Backoff: first delay, cap, and jitter fraction (0.2 = ±20 %). */
  backoffMs?: { initial: number; max: number; jitter: number };
  /** No message for this long means the connection is dead (default 120 s). */
  silenceMs?: number;
  /** A backup pool is left for the first one after being connected this long (default 10 min). */
  failbackMs?: number;
  /** A response to our request must come within this (default 30 s). */
  requestTimeoutMs?: number;
  /** Longest line accepted from a pool (default 64 KiB). */
  maxLineBytes?: number;
  random?: () => number;
  /** Extra CA certificates (PEM) trusted for stratum+ssl, e.g. a pool's own CA; the system's stay trusted. */
  tlsCa?: string[];
};

type Pending = { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout };

class PoolError extends Error {}

const isHex = (s: unknown): s is string => typeof s === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(s);

export class StratumClient {
  private socket: net.Socket | null = null;
  private buffer = '';
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private stopped = true;
  private poolIndex = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private failbackTimer: NodeJS.Timeout | null = null;
  private extranonce1 = '';
  private extranonce2Size = 0;
  private difficulty = 1;
  private versionMask = 0;
  private redirect: ParsedPoolUrl | null = null;
  private connectionId = 0;
  private status: StratumStatus = { state: 'idle', poolIndex: 0, url: null, difficulty: null, lastError: null, retryInMs: null, versionRollingMask: null };
  private readonly o: Required<Omit<StratumOptions, 'onStatus' | 'tlsCa'>> & Pick<StratumOptions, 'onStatus' | 'tlsCa'>;

  constructor(opts: StratumOptions) {
    if (opts.pools.length === 0) throw new Error('no pool configured: add at least one pool (URL, worker name, password)');
    for (const p of opts.pools) {
      parsePoolUrl(p.url);
      if (!p.user.trim()) throw new Error(`pool ${p.url}: the worker name (user) is empty`);
    }
    this.o = {
      userAgent: 'hearth/0.1',
      backoffMs: { initial: 1000, max: 60_000, jitter: 0.2 },
      silenceMs: 120_000,
      failbackMs: 600_000,
      requestTimeoutMs: 30_000,
      maxLineBytes: 64 * 1024,
      random: Math.random,
      ...opts,
    };
  }

  get current(): StratumStatus {
    return { ...this.status };
  }

  get user(): string {
    return this.o.pools[this.poolIndex]!.user;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.poolIndex = 0;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.drop(null);
    this.setStatus({ state: 'idle', retryInMs: null });
  }

  /** Submits a share; resolves with the pool's verdict (a dropped connection rejects). */
  async submit(job: StratumJob, extranonce2: string, nonce: string, ntime = job.ntime, versionBits?: string): Promise<SubmitResult> {
    const params: unknown[] = [this.user, job.jobId, extranonce2, ntime, nonce];
    if (versionBits !== undefined) params.push(versionBits);
    try {
      const r = await this.request('mining.submit', params);
      if (r === true) return { accepted: true };
      return { accepted: false, reason: `pool answered ${JSON.stringify(r)}` };
    } catch (e) {
      if (e instanceof PoolError) return { accepted: false, reason: e.message };
      throw e;
    }
  }

  private setStatus(s: Partial<StratumStatus>): void {
    this.status = { ...this.status, ...s };
    this.o.onStatus?.(this.current);
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.silenceTimer, this.failbackTimer]) if (t) clearTimeout(t);
    this.retryTimer = this.silenceTimer = this.failbackTimer = null;
  }

  private connect(): void {
    if (this.stopped) return;
    const pool = this.o.pools[this.poolIndex]!;
    const target = this.redirect ?? parsePoolUrl(pool.url);
    this.redirect = null;
    const id = ++this.connectionId;
    this.buffer = '';
    this.setStatus({ state: 'connecting', poolIndex: this.poolIndex, url: pool.url, retryInMs: null, versionRollingMask: null });
    const socket = target.tls
      ? tls.connect({
          host: target.host,
          port: target.port,
          ...(net.isIP(target.host) ? {} : { servername: target.host }),
          ...(this.o.tlsCa?.length ? { ca: [...tls.rootCertificates, ...this.o.tlsCa] } : {}),
        })
      : net.connect({ host: target.host, port: target.port });
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on(target.tls ? 'secureConnect' : 'connect', () => {
      if (id === this.connectionId) void this.handshake(id, pool);
    });
    socket.on('data', (chunk: string) => {
      if (id === this.connectionId) this.onData(chunk);
    });
    socket.on('error', (e) => {
      if (id === this.connectionId) this.fail(`${pool.url}: ${e.message}`);
    });
    socket.on('close', () => {
      if (id === this.connectionId) this.fail(`${pool.url}: connection closed by the pool`);
    });
    this.armSilence();
  }

  private async handshake(id: number, pool: PoolConfig): Promise<void> {
    try {
      this.setStatus({ state: 'subscribing' });
      // BIP 310: offer version rolling first. Pools answer in order, so its answer is in by the
      // time subscribe's is; a pool without it answers with an error or not at all, and mining
      // goes on without rolling (nothing waits on a missing answer).
      this.versionMask = 0;
      const configuring = this.request('mining.configure', [['version-rolling'], { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 2 }]).catch(() => null);
      const sub = await this.request('mining.subscribe', [this.o.userAgent]);
      const configured = await Promise.race([configuring, Promise.resolve(null)]);
      if (typeof configured === 'object' && configured !== null && (configured as Record<string, unknown>)['version-rolling'] === true) {
        const m = (configured as Record<string, unknown>)['version-rolling.mask'];
        if (typeof m === 'string' && /^[0-9a-fA-F]{1,8}$/.test(m)) this.versionMask = (parseInt(m, 16) & 0x1fffe000) >>> 0;
      }
      this.setStatus({ versionRollingMask: this.versionMask || null });
      if (!Array.isArray(sub) || sub.length < 3) throw new PoolError(`mining.subscribe answer is not [subscriptions, extranonce1, extranonce2_size]: ${JSON.stringify(sub).slice(0, 200)}`);
      this.setExtranonce(sub[1], sub[2]);
      const auth = await this.request('mining.authorize', [pool.user, pool.password]).catch((e: unknown) => {
        if (e instanceof PoolError) return e.message;
        throw e;
      });
      if (auth !== true) {
        const why = typeof auth === 'string' ? auth : `mining.authorize answered ${JSON.stringify(auth)}`;
        throw new PoolError(`the pool refused worker "${pool.user}" (${why}): check the worker name and password`);
      }
      if (pool.extranonceSubscribe) {
        // Optional: pools without it answer with an error, which changes nothing.
        this.request('mining.extranonce.subscribe', []).catch((e: unknown) => this.o.log.info(`stratum: ${pool.url} has no extranonce.subscribe (${e instanceof Error ? e.message : String(e)})`));
      }
      if (id !== this.connectionId) return;
      this.failures = 0;
      this.setStatus({ state: 'mining', lastError: null, difficulty: this.difficulty });
      this.o.log.info(`stratum: mining on ${pool.url} as ${pool.user}`);
      if (this.poolIndex !== 0) {
        this.failbackTimer = setTimeout(() => {
          this.o.log.info(`stratum: ${pool.url} stable for ${Math.round(this.o.failbackMs / 1000)} s, trying the first pool again`);
          this.poolIndex = 0;
          this.drop(null);
          this.connect();
        }, this.o.failbackMs);
      }
    } catch (e) {
      if (id === this.connectionId) this.fail(`${pool.url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private setExtranonce(en1: unknown, size: unknown): void {
    if (!isHex(en1)) throw new PoolError(`extranonce1 ${JSON.stringify(en1)} is not hex`);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 16) throw new PoolError(`extranonce2 size ${JSON.stringify(size)} is outside 1..16 bytes`);
    this.extranonce1 = en1;
    this.extranonce2Size = size;
  }

  private request(method: string, params: unknown[]): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error('not connected to a pool'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from the pool within ${this.o.requestTimeoutMs / 1000} s`));
      }, this.o.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.fail(`no message from the pool for ${Math.round(this.o.silenceMs / 1000)} s`), this.o.silenceMs);
  }

  private onData(chunk: string): void {
    this.armSilence();
    this.buffer += chunk;
    if (this.buffer.length > this.o.maxLineBytes && !this.buffer.slice(0, this.o.maxLineBytes).includes('\n')) {
      this.fail(`the pool sent a line longer than ${this.o.maxLineBytes} bytes`);
      return;
    }
    let nl: number;
    const id = this.connectionId;
    while ((nl = this.buffer.indexOf('\n')) >= 0 && id === this.connectionId) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      try {
        this.onMessage(line);
      } catch (e) {
        this.fail(`bad message from the pool (${e instanceof Error ? e.message : String(e)}): ${line.slice(0, 120)}`);
      }
    }
  }

  private onMessage(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      throw new Error('not JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new Error('not a JSON-RPC object');
    const m = msg as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    if (typeof m.method === 'string') {
      const params = m.params ?? [];
      if (!Array.isArray(params)) throw new Error(`${m.method}: params is not an array`);
      this.onNotification(m.method, params, m.id);
      return;
    }
    if (typeof m.id !== 'number') throw new Error('a response without a numeric id');
    const p = this.pending.get(m.id);
    if (!p) return; // a late answer to a request that timed out
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error !== null && m.error !== undefined) p.reject(new PoolError(errorText(m.error)));
    else p.resolve(m.result);
  }

  private onNotification(method: string, params: unknown[], id: unknown): void {
    switch (method) {
      case 'mining.set_difficulty': {
        const d = params[0];
        if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d)) throw new Error(`set_difficulty ${JSON.stringify(d)} is not a positive number`);
        this.difficulty = d; // applies from the next job on
        this.setStatus({ difficulty: d });
        return;
      }
      case 'mining.notify':
        this.o.onJob(this.parseNotify(params));
        return;
      case 'mining.set_extranonce':
        this.setExtranonce(params[0], params[1]);
        return;
      case 'mining.set_version_mask': {
        const m = params[0];
        if (typeof m !== 'string' || !/^[0-9a-fA-F]{1,8}$/.test(m)) throw new Error(`set_version_mask ${JSON.stringify(m)} is not a hex mask`);
        this.versionMask = this.versionMask ? (parseInt(m, 16) & 0x1fffe000) >>> 0 : 0; // applies from the next job on
        this.setStatus({ versionRollingMask: this.versionMask || null });
        return;
      }
      case 'client.reconnect':
        this.onReconnect(params);
        return;
      case 'client.get_version':
        if (typeof id === 'number' || typeof id === 'string') this.socket?.write(JSON.stringify({ id, result: this.o.userAgent, error: null }) + '\n');
        return;
      case 'client.show_message':
        this.o.log.info(`stratum: message from the pool: ${String(params[0]).slice(0, 200)}`);
        return;
      default:
        // Unknown methods are ignored (pools add their own), but answered so a pool waiting on
        // them is not left hanging.
        this.o.log.warn(`stratum: ignoring unknown method ${JSON.stringify(method).slice(0, 60)} from the pool`);
        if (typeof id === 'number' || typeof id === 'string') this.socket?.write(JSON.stringify({ id, result: null, error: [20, 'unknown method', null] }) + '\n');
    }
  }

  private parseNotify(p: unknown[]): StratumJob {
    const [jobId, prevHash, coinb1, coinb2, branch, version, nbits, ntime, clean] = p;
    if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 128) throw new Error('notify: job id is not a string');
    const hex = (v: unknown, name: string, len?: number): string => {
      if (!isHex(v) || (len !== undefined && v.length !== len * 2)) throw new Error(`notify: ${name} is not ${len ? `${len} bytes of ` : ''}hex`);
      return v;
    };
    if (!Array.isArray(branch) || branch.length > 64) throw new Error('notify: merkle branch is not a list');
    if (typeof clean !== 'boolean') throw new Error('notify: clean_jobs is not true/false');
    if (!this.extranonce2Size) throw new Error('notify before subscribe finished');
    return {
      jobId,
      prevHash: hex(prevHash, 'prevhash', 32),
      coinb1: hex(coinb1, 'coinb1'),
      coinb2: hex(coinb2, 'coinb2'),
      merkleBranch: branch.map((b, i) => hex(b, `merkle branch ${i}`, 32)),
      version: hex(version, 'version', 4),
      nbits: hex(nbits, 'nbits', 4),
      ntime: hex(ntime, 'ntime', 4),
      clean,
      difficulty: this.difficulty,
      extranonce1: this.extranonce1,
      extranonce2Size: this.extranonce2Size,
      versionMask: this.versionMask,
    };
  }

  /** client.reconnect is followed only to a host inside the configured pool's domain. */
  private onReconnect(params: unknown[]): void {
    const configured = parsePoolUrl(this.o.pools[this.poolIndex]!.url);
    const [host, port, wait] = params;
    const toHost = typeof host === 'string' && host ? host : configured.host;
    const toPort = port === undefined || port === null || port === '' ? configured.port : Number(port);
    if (!Number.isInteger(toPort) || toPort < 1 || toPort > 65535) throw new Error(`client.reconnect to port ${JSON.stringify(port)} is not a valid port`);
    if (!sameDomain(toHost, configured.host)) {
      this.o.log.warn(`stratum: ignoring client.reconnect to ${toHost}: it is outside ${configured.host}'s domain`);
      return;
    }
    const waitS = typeof wait === 'number' && wait > 0 ? Math.min(wait, 600) : 0;
    this.o.log.info(`stratum: pool asked to reconnect to ${toHost}:${toPort}${waitS ? ` in ${waitS} s` : ''}`);
    this.redirect = { tls: configured.tls, host: toHost, port: toPort };
    this.drop(null);
    this.scheduleConnect(waitS * 1000);
  }

  private drop(reason: string | null): void {
    this.connectionId++;
    if (this.socket) {
      this.socket.destroy();
      this.socket = null;
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason ?? 'disconnected from the pool'));
      this.pending.delete(id);
    }
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    if (this.failbackTimer) clearTimeout(this.failbackTimer);
    this.silenceTimer = this.failbackTimer = null;
  }

  /** Drops the connection, logs why, and reconnects: the next pool first, then with backoff. */
  private fail(reason: string): void {
    if (this.stopped) return;
    this.o.log.error(`stratum: ${reason}`);
    this.drop(reason);
    this.failures++;
    const n = this.o.pools.length;
    // Every failure moves on to the next pool; a full round of failures grows the delay.
    this.poolIndex = (this.poolIndex + 1) % n;
    const rounds = Math.floor((this.failures - 1) / n);
    const { initial, max, jitter } = this.o.backoffMs;
    const base = this.failures < n ? 0 : Math.min(max, initial * 2 ** rounds);
    const delay = Math.round(base * (1 + jitter * (2 * this.o.random() - 1)));
    this.setStatus({ state: 'waiting', lastError: reason, retryInMs: delay });
    this.scheduleConnect(delay);
  }

  private scheduleConnect(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, ms);
  }
}

function errorText(e: unknown): string {
  if (Array.isArray(e)) return `${String(e[1] ?? 'error')}${e[0] !== undefined ? ` (code ${String(e[0])})` : ''}`;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return JSON.stringify(e);
}

/** Same registrable domain, approximated as the last two labels (pool.example.com ~ eu.example.com). */
export function sameDomain(a: string, b: string): boolean {
  const norm = (h: string) => h.toLowerCase().replace(/\.$/, '');
  const x = norm(a);
  const y = norm(b);
  if (x === y) return true;
  if (net.isIP(x) || net.isIP(y)) return false;
  const base = y.split('.').slice(-2).join('.');
  return x === base || x.endsWith('.' + base);
}
