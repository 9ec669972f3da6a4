/**
 * Stratum V1 client: one connection at a time to the first healthy pool of a list. It speaks
 * subscribe/authorize/notify/set_difficulty/submit, set_extranonce (and extranonce.subscribe where
 * the pool option asks for it), client.reconnect (only within the configured pool's domain), and
 * survives anything a pool sends: bad JSON, oversized lines, wrong types or silence each end the
 * connection with a logged reason and a reconnect (exponential backoff with jitter, failover to the
 * next pool, fail-back to a better pool once background checks show it healthy for a while). A
 * pool that refuses the worker is not retried: with no pool left the client stops and says why.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { MiningPoolCheck } from '#contract/index';
import type { Logger } from '#core/log';
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
    if (!/^[a-z+]+:\/\//i.test(url))
      throw new Error(
        `pool URL "${url}" has no scheme: write it as stratum+tcp://host:port (or stratum+ssl://host:port)`,
      );
    if (!/^(stratum\+tcp|stratum\+ssl|stratum\+tls|tcp|ssl):\/\//i.test(url))
      throw new Error(`pool URL "${url}" is not a Stratum URL: it must start with stratum+tcp:// or stratum+ssl://`);
    throw new Error(`pool URL "${url}" needs a host and a port, e.g. stratum+tcp://pool.example.com:3333`);
  }
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`pool URL "${url}": port ${port} is outside 1..65535`);
  return { tls: /ssl|tls/i.test(m[1]!), host: m[2]!, port };
}

export type StratumStatus = {
  /** `refused`: every pool refused the worker; the client has stopped and waits for new settings. */
  state: 'idle' | 'connecting' | 'subscribing' | 'mining' | 'waiting' | 'refused';
  poolIndex: number;
  url: string | null;
  /** Why this pool is the one in use (first pool, failover and from what, fail-back, redirect). */
  why: string | null;
  difficulty: number | null;
  lastError: string | null;
  /** When the next connection attempt happens (ms, client clock) while waiting. */
  retryInMs: number | null;
  versionRollingMask: number | null;
};

/** The pool's verdict on a share; a rejection carries the pool's own reason and code where it sent one. */
export type SubmitResult = { accepted: true } | { accepted: false; reason: string; code: number | null };

export type StratumOptions = {
  pools: PoolConfig[];
  log: Logger;
  userAgent?: string;
  /** A job from the current connection (its extranonce1 and version mask travel with it). */
  onJob(job: StratumJob): void;
  /** The connection ended: every job it sent is void (its extranonce1 belongs to it alone). */
  onDisconnect?(): void;
  onStatus?(status: StratumStatus): void;
  /** Every pool refused the worker (or its password): the client stopped; `reason` says what the pool said. */
  onRefused?(reason: string): void;
  /** A check, not a run: the first failure or refusal stops the client instead of retrying. */
  once?: boolean;
  /**
   * Backoff (stratum.md): `initial` is the first delay and also the floor no reconnect goes under,
   * whatever wait a pool's client.reconnect names; each reconnect without sustained health doubles
   * it, up to `max`, spread by ±`jitter` (0.2 = ±20 %). Defaults: 1 s, 5 min, 0.2.
   */
  backoffMs?: { initial: number; max: number; jitter: number };
  /** No message for this long means the connection is dead (default 120 s). */
  silenceMs?: number;
  /** A connection that lasted this long resets the backoff (default 5 min): one good login does not. */
  stableMs?: number;
  /** While on a backup pool, the pools before it are probed this often (default 30 s)... */
  probeMs?: number;
  /** ...and one is returned to once it has answered every probe for this long (default 2 min). */
  failbackMs?: number;
  /** A response to our request must come within this (default 30 s). */
  requestTimeoutMs?: number;
  /** Longest line accepted from a pool (default 64 KiB). */
  maxLineBytes?: number;
  random?: () => number;
  /** Extra CA certificates (PEM) trusted for stratum+ssl, e.g. a pool's own CA; the system's stay trusted. */
  tlsCa?: string[];
};

type Pending = {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  sync?: (result: unknown) => void;
};

/** The pool answered with an error (or ckpool's `reject-reason`): its text and code as sent. */
class PoolError extends Error {
  constructor(
    readonly text: string,
    readonly code: number | null,
  ) {
    super(code === null ? text : `${text} (code ${code})`);
  }
}

/** The pool refused the worker or its password. */
class RefusedError extends Error {}

const isHex = (s: unknown): s is string => typeof s === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(s);

/** BIP 310's general-purpose version bits: the most any mask may offer. */
const VERSION_BITS = 0x1fffe000;

type Opts = Required<Omit<StratumOptions, 'onStatus' | 'tlsCa' | 'onDisconnect' | 'onRefused'>> &
  Pick<StratumOptions, 'onStatus' | 'tlsCa' | 'onDisconnect' | 'onRefused'>;

export class StratumClient {
  private socket: net.Socket | null = null;
  private buffer = '';
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private stopped = true;
  private poolIndex = 0;
  private failures = 0;
  private readonly refused = new Set<number>();
  private retryTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  /** Per pool before the current one: since when it has answered every probe. */
  private readonly healthySince = new Map<number, number>();
  private extranonce1 = '';
  private extranonce2Size = 0;
  private difficulty = 1;
  private versionMask = 0;
  private subscribed = false;
  private lastPoolMessage: string | null = null;
  private redirect: ParsedPoolUrl | null = null;
  private why = 'first pool';
  private connectionId = 0;
  private status: StratumStatus = {
    state: 'idle',
    poolIndex: 0,
    url: null,
    why: null,
    difficulty: null,
    lastError: null,
    retryInMs: null,
    versionRollingMask: null,
  };
  private readonly o: Opts;

  constructor(opts: StratumOptions) {
    if (opts.pools.length === 0)
      throw new Error('no pool configured: add at least one pool (URL, worker name, password)');
    for (const p of opts.pools) {
      parsePoolUrl(p.url);
      if (!p.user.trim()) throw new Error(`pool ${p.url}: the worker name (user) is empty`);
    }
    this.o = {
      userAgent: 'hearth/0.1',
      once: false,
      backoffMs: { initial: 1000, max: 300_000, jitter: 0.2 },
      silenceMs: 120_000,
      stableMs: 300_000,
      probeMs: 30_000,
      failbackMs: 120_000,
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
    this.failures = 0;
    this.refused.clear();
    this.why = 'first pool';
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.drop(null);
    if (this.status.state !== 'refused') this.setStatus({ state: 'idle', retryInMs: null });
  }

  /** Submits a share; resolves with the pool's verdict (a dropped connection rejects). */
  async submit(
    job: StratumJob,
    extranonce2: string,
    nonce: string,
    ntime = job.ntime,
    versionBits?: string,
  ): Promise<SubmitResult> {
    if (job.connection !== this.connectionId) throw new Error('the job belongs to an earlier connection');
    const params: unknown[] = [this.user, job.jobId, extranonce2, ntime, nonce];
    if (versionBits !== undefined) params.push(versionBits);
    try {
      const r = await this.request('mining.submit', params);
      if (r === true) return { accepted: true };
      return { accepted: false, reason: `the pool answered ${JSON.stringify(r)} without a reason`, code: null };
    } catch (e) {
      if (e instanceof PoolError) return { accepted: false, reason: e.text, code: e.code };
      throw e;
    }
  }

  private setStatus(s: Partial<StratumStatus>): void {
    this.status = { ...this.status, ...s };
    this.o.onStatus?.(this.current);
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.silenceTimer, this.stableTimer, this.probeTimer]) if (t) clearTimeout(t);
    this.retryTimer = this.silenceTimer = this.stableTimer = this.probeTimer = null;
  }

  private connect(): void {
    if (this.stopped) return;
    const pool = this.o.pools[this.poolIndex]!;
    const target = this.redirect ?? parsePoolUrl(pool.url);
    this.redirect = null;
    const id = ++this.connectionId;
    this.buffer = '';
    this.subscribed = false;
    this.extranonce2Size = 0;
    this.versionMask = 0;
    this.lastPoolMessage = null;
    this.setStatus({
      state: 'connecting',
      poolIndex: this.poolIndex,
      url: pool.url,
      why: this.why,
      retryInMs: null,
      versionRollingMask: null,
    });
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
      // BIP 310: offer version rolling first. Answers are applied the moment they arrive (`sync`),
      // before any later line is read: pools send set_difficulty and notify right behind the
      // subscribe answer, often in the same packet. A pool without rolling answers with an error
      // or not at all, and nothing waits on that answer.
      this.request(
        'mining.configure',
        [
          ['version-rolling'],
          { 'version-rolling.mask': VERSION_BITS.toString(16), 'version-rolling.min-bit-count': 2 },
        ],
        (r) => this.onConfigured(r),
      ).catch(() => null);
      await this.request('mining.subscribe', [this.o.userAgent], (sub) => {
        if (!Array.isArray(sub) || sub.length < 3)
          throw new Error(
            `mining.subscribe answer is not [subscriptions, extranonce1, extranonce2_size]: ${JSON.stringify(sub).slice(0, 200)}`,
          );
        this.setExtranonce(sub[1], sub[2]);
        this.subscribed = true;
      });
      const auth = await this.request('mining.authorize', [pool.user, pool.password]).catch((e: unknown) => {
        if (e instanceof PoolError) return e;
        throw e;
      });
      if (auth !== true) {
        const said =
          auth instanceof PoolError
            ? `it answered "${auth.message}"`
            : `it answered ${JSON.stringify(auth)}${this.lastPoolMessage ? ` and said "${this.lastPoolMessage}"` : ''}`;
        throw new RefusedError(
          `the pool refused worker "${pool.user}": ${said}. Check the worker name (on a solo pool it must be a valid Bitcoin address for the pool's network) and the password`,
        );
      }
      if (pool.extranonceSubscribe) {
        // Optional: pools without it answer with an error, which changes nothing.
        this.request('mining.extranonce.subscribe', []).catch((e: unknown) =>
          this.o.log.info(
            `stratum: ${pool.url} has no extranonce.subscribe (${e instanceof Error ? e.message : String(e)})`,
          ),
        );
      }
      if (id !== this.connectionId) return;
      this.refused.delete(this.poolIndex);
      this.setStatus({ state: 'mining', lastError: null, difficulty: this.difficulty });
      if (this.stopped || id !== this.connectionId) return; // stopped by whoever watched the status (a check)
      this.o.log.info(`stratum: mining on ${pool.url} as ${pool.user} (${this.why})`);
      // Only a connection that stays up resets the backoff: a pool that authorises and then
      // misbehaves (drops us, sends garbage, asks us to reconnect) is not retried every second
      // forever. An accepted share is not enough: a hostile pool can accept one and drop us.
      this.stableTimer = setTimeout(() => (this.failures = 0), this.o.stableMs);
      if (this.poolIndex !== 0 && !this.o.once) this.scheduleProbe();
    } catch (e) {
      if (id !== this.connectionId) return;
      const reason = `${pool.url}: ${e instanceof Error ? e.message : String(e)}`;
      if (e instanceof RefusedError) this.refuse(reason);
      else this.fail(reason);
    }
  }

  private onConfigured(r: unknown): void {
    if (typeof r !== 'object' || r === null || (r as Record<string, unknown>)['version-rolling'] !== true) return;
    const m = (r as Record<string, unknown>)['version-rolling.mask'];
    if (typeof m === 'string' && /^[0-9a-fA-F]{1,8}$/.test(m))
      this.versionMask = (parseInt(m, 16) & VERSION_BITS) >>> 0;
    this.setStatus({ versionRollingMask: this.versionMask || null });
  }

  private setExtranonce(en1: unknown, size: unknown): void {
    if (!isHex(en1)) throw new PoolError(`extranonce1 ${JSON.stringify(en1)} is not hex`, null);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 16)
      throw new PoolError(`extranonce2 size ${JSON.stringify(size)} is outside 1..16 bytes`, null);
    this.extranonce1 = en1;
    this.extranonce2Size = size;
  }

  private request(method: string, params: unknown[], sync?: (result: unknown) => void): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error('not connected to a pool'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from the pool within ${this.o.requestTimeoutMs / 1000} s`));
      }, this.o.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer, ...(sync ? { sync } : {}) });
      socket.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(
      () => this.fail(`no message from the pool for ${Math.round(this.o.silenceMs / 1000)} s`),
      this.o.silenceMs,
    );
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
    const m = msg as {
      id?: unknown;
      method?: unknown;
      params?: unknown;
      result?: unknown;
      error?: unknown;
      'reject-reason'?: unknown;
    };
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
    if (m.error !== null && m.error !== undefined) p.reject(poolError(m.error));
    // ckpool's older style: result false, error null, and the reason beside them.
    else if (m.result === false && typeof m['reject-reason'] === 'string')
      p.reject(new PoolError(m['reject-reason'].slice(0, 200), null));
    else {
      try {
        p.sync?.(m.result);
      } catch (e) {
        p.reject(e instanceof Error ? e : new Error(String(e)));
        throw e; // and the connection is dropped with the reason
      }
      p.resolve(m.result);
    }
  }

  private onNotification(method: string, params: unknown[], id: unknown): void {
    switch (method) {
      case 'mining.set_difficulty': {
        const d = params[0];
        if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d))
          throw new Error(`set_difficulty ${JSON.stringify(d)} is not a positive number`);
        this.difficulty = d; // applies from the next job on
        this.setStatus({ difficulty: d });
        return;
      }
      case 'mining.notify': {
        const job = this.parseNotify(params);
        if (job) this.o.onJob(job);
        return;
      }
      case 'mining.set_extranonce':
        this.setExtranonce(params[0], params[1]);
        return;
      case 'mining.set_version_mask': {
        const m = params[0];
        if (typeof m !== 'string' || !/^[0-9a-fA-F]{1,8}$/.test(m))
          throw new Error(`set_version_mask ${JSON.stringify(m)} is not a hex mask`);
        this.versionMask = this.versionMask ? (parseInt(m, 16) & VERSION_BITS) >>> 0 : 0; // applies from the next job on
        this.setStatus({ versionRollingMask: this.versionMask || null });
        return;
      }
      case 'client.reconnect':
        this.onReconnect(params);
        return;
      case 'client.get_version':
        if (typeof id === 'number' || typeof id === 'string')
          this.socket?.write(JSON.stringify({ id, result: this.o.userAgent, error: null }) + '\n');
        return;
      case 'client.show_message':
        this.lastPoolMessage = String(params[0]).slice(0, 200);
        this.o.log.info(`stratum: message from the pool: ${this.lastPoolMessage}`);
        return;
      default:
        // Unknown methods are ignored (pools add their own), but answered so a pool waiting on
        // them is not left hanging.
        this.o.log.warn(`stratum: ignoring unknown method ${JSON.stringify(method).slice(0, 60)} from the pool`);
        if (typeof id === 'number' || typeof id === 'string')
          this.socket?.write(JSON.stringify({ id, result: null, error: [20, 'unknown method', null] }) + '\n');
    }
  }

  private parseNotify(p: unknown[]): StratumJob | null {
    const [jobId, prevHash, coinb1, coinb2, branch, version, nbits, ntime, clean] = p;
    if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 128)
      throw new Error('notify: job id is not a string');
    const hex = (v: unknown, name: string, len?: number): string => {
      if (!isHex(v) || (len !== undefined && v.length !== len * 2))
        throw new Error(`notify: ${name} is not ${len ? `${len} bytes of ` : ''}hex`);
      return v;
    };
    if (!Array.isArray(branch) || branch.length > 64) throw new Error('notify: merkle branch is not a list');
    if (typeof clean !== 'boolean') throw new Error('notify: clean_jobs is not true/false');
    if (!this.subscribed) {
      // Before the subscribe answer there is no extranonce1 to build a header with.
      this.o.log.warn(`stratum: ignoring job ${jobId.slice(0, 40)} sent before the subscribe answer`);
      return null;
    }
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
      connection: this.connectionId,
    };
  }

  /** client.reconnect is followed only to a host inside the configured pool's domain. */
  private onReconnect(params: unknown[]): void {
    const configured = parsePoolUrl(this.o.pools[this.poolIndex]!.url);
    const [host, port, wait] = params;
    const toHost = typeof host === 'string' && host ? host : configured.host;
    const toPort = port === undefined || port === null || port === '' ? configured.port : Number(port);
    if (!Number.isInteger(toPort) || toPort < 1 || toPort > 65535)
      throw new Error(`client.reconnect to port ${JSON.stringify(port)} is not a valid port`);
    if (!sameDomain(toHost, configured.host)) {
      this.o.log.warn(`stratum: ignoring client.reconnect to ${toHost}: it is outside ${configured.host}'s domain`);
      return;
    }
    // A reconnect counts like a failure: a pool that asks again and again (to itself, with wait 0)
    // is followed after the floor, then after ever longer delays, until a connection lasts.
    this.failures++;
    const asked = typeof wait === 'number' && wait > 0 ? Math.min(wait, 600) * 1000 : 0;
    const waitMs = Math.max(asked, this.backoff(this.failures));
    this.o.log.info(
      `stratum: pool asked to reconnect to ${toHost}:${toPort}${waitMs ? ` in ${(waitMs / 1000).toFixed(1)} s` : ''}`,
    );
    this.redirect = { tls: configured.tls, host: toHost, port: toPort };
    this.why = `asked by ${this.o.pools[this.poolIndex]!.url} to reconnect (client.reconnect)`;
    this.drop(null);
    this.setStatus({ state: 'waiting', retryInMs: waitMs });
    this.scheduleConnect(waitMs);
  }

  private drop(reason: string | null): void {
    this.connectionId++;
    this.subscribed = false;
    if (this.socket) {
      this.socket.destroy();
      this.socket = null;
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason ?? 'disconnected from the pool'));
      this.pending.delete(id);
    }
    for (const t of [this.silenceTimer, this.stableTimer, this.probeTimer]) if (t) clearTimeout(t);
    this.silenceTimer = this.stableTimer = this.probeTimer = null;
    this.healthySince.clear();
    this.o.onDisconnect?.();
  }

  /** The pool refused the worker: that pool is skipped; with none left the client stops. */
  private refuse(reason: string): void {
    if (this.stopped) return;
    this.o.log.error(`stratum: ${reason}`);
    this.refused.add(this.poolIndex);
    if (this.o.once || this.refused.size >= this.o.pools.length) {
      this.drop(reason);
      this.stopped = true;
      this.clearTimers();
      this.setStatus({ state: 'refused', lastError: reason, retryInMs: null });
      this.o.onRefused?.(reason);
      return;
    }
    this.fail(reason, `${this.o.pools[this.poolIndex]!.url} refused the worker`);
  }

  /** Drops the connection, logs why, and reconnects: the next pool first, then with backoff. */
  private fail(reason: string, short = reason): void {
    if (this.stopped) return;
    if (!this.refused.has(this.poolIndex)) this.o.log.error(`stratum: ${reason}`);
    this.drop(reason);
    if (this.o.once) {
      this.stopped = true;
      this.clearTimers();
      this.setStatus({ state: 'idle', lastError: reason, retryInMs: null });
      return;
    }
    this.failures++;
    const n = this.o.pools.length;
    const from = this.o.pools[this.poolIndex]!.url;
    // Every failure moves on to the next pool that has not refused us; a full round of failures grows the delay.
    do this.poolIndex = (this.poolIndex + 1) % n;
    while (this.refused.has(this.poolIndex));
    this.why =
      this.poolIndex === 0
        ? `first pool (again, after ${from} failed)`
        : `failover: ${short.length > 160 ? short.slice(0, 160) + '…' : short}`;
    const live = n - this.refused.size;
    const delay = this.backoff(Math.ceil(this.failures / live));
    this.setStatus({ state: 'waiting', lastError: reason, retryInMs: delay });
    this.scheduleConnect(delay);
  }

  /**
   * The delay before the next connection after `round` rounds of reconnects (every pool tried
   * once is a round): the floor, then doubled each round up to the cap, with jitter, never under
   * the floor. Even a failover to the next pool waits the floor: two pools that each drop us at
   * once would otherwise be alternated between without pause.
   */
  private backoff(round: number): number {
    const { initial, max, jitter } = this.o.backoffMs;
    const base = Math.min(max, initial * 2 ** Math.max(0, round - 1));
    return Math.max(initial, Math.round(base * (1 + jitter * (2 * this.o.random() - 1))));
  }

  private scheduleConnect(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, ms);
  }

  /**
   * Fail-back the way cgminer does it: while mining on a backup, the pools before it are tried in
   * the background (connect, subscribe, authorise, a job) without leaving the backup; the first
   * that has answered every probe for `failbackMs` is returned to.
   */
  private scheduleProbe(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.probe(), this.o.probeMs);
  }

  private async probe(): Promise<void> {
    if (this.probing || this.stopped || this.status.state !== 'mining' || this.poolIndex === 0) return;
    this.probing = true;
    const connection = this.connectionId;
    try {
      for (let i = 0; i < this.poolIndex; i++) {
        if (this.refused.has(i)) continue;
        // Only connection settings travel: the probe's events are its own, not this client's.
        const { userAgent, backoffMs, silenceMs, maxLineBytes, tlsCa } = this.o;
        const r = await probePool(this.o.pools[i]!, {
          userAgent,
          backoffMs,
          silenceMs,
          maxLineBytes,
          ...(tlsCa ? { tlsCa } : {}),
          requestTimeoutMs: Math.min(this.o.requestTimeoutMs, 10_000),
        });
        if (connection !== this.connectionId) return;
        if (!r.ok) {
          this.healthySince.delete(i);
          continue;
        }
        const since = this.healthySince.get(i) ?? Date.now();
        this.healthySince.set(i, since);
        if (Date.now() - since >= this.o.failbackMs) {
          const s = Math.round((Date.now() - since) / 1000);
          this.o.log.info(`stratum: ${this.o.pools[i]!.url} has answered for ${s} s, returning to it`);
          this.drop(null);
          this.poolIndex = i;
          this.why = `${i === 0 ? 'back on the first pool' : `back on pool ${i + 1}`}: it answered every check for ${s} s`;
          this.connect();
          return;
        }
        break; // the best pool that answers is the one to wait for
      }
    } finally {
      this.probing = false;
      if (connection === this.connectionId && !this.stopped) this.scheduleProbe();
    }
  }
}

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** What a pool told a one-time check (the contract's type, less this machine's hash rate, which the caller adds). */
export type PoolCheck = Omit<MiningPoolCheck, 'hashRate' | 'hashRateSource' | 'expectedSecondsPerShare'>;

/**
 * Connects once: subscribe, version rolling, authorise, and waits for the first job. Never retries.
 * The `hearth mine --check` command, the Mining page's Test button and fail-back probes use it.
 */
export function probePool(
  pool: PoolConfig,
  opts: Partial<Omit<StratumOptions, 'pools' | 'onJob' | 'once' | 'onStatus' | 'onRefused'>> = {},
): Promise<PoolCheck> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<PoolCheck, 'url'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.stop();
      resolve({ url: pool.url, ...r });
    };
    const none = {
      msToJob: null,
      difficulty: null,
      jobVersion: null,
      versionRollingMask: null,
      extranonce1Bytes: null,
      extranonce2Size: null,
    };
    // Pools in the pooled order send the first job before the authorize reply: usable means both.
    let job: StratumJob | null = null;
    let jobAt = 0;
    let authorised = false;
    const settle = () => {
      if (!job || !authorised) return;
      finish({
        ok: true,
        error: null,
        refused: false,
        msToJob: jobAt - t0,
        difficulty: job.difficulty,
        jobVersion: job.version,
        versionRollingMask: job.versionMask || null,
        extranonce1Bytes: job.extranonce1.length / 2,
        extranonce2Size: job.extranonce2Size,
      });
    };
    const { onDisconnect: _ignored, ...settings } = opts;
    const client = new StratumClient({
      log: quiet,
      ...settings,
      once: true,
      pools: [pool],
      onJob: (j) => {
        job ??= j;
        jobAt ||= Date.now();
        settle();
      },
      onStatus: (s) => {
        if (s.state === 'mining') {
          authorised = true;
          settle();
        }
        if (s.state === 'idle' && s.lastError) finish({ ok: false, error: s.lastError, refused: false, ...none });
      },
      onRefused: (reason) => finish({ ok: false, error: reason, refused: true, ...none }),
    });
    const limit = (opts.requestTimeoutMs ?? 30_000) * 2;
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          error: `${pool.url}: no job within ${limit / 1000} s of connecting`,
          refused: false,
          ...none,
        }),
      limit,
    );
    client.start();
  });
}

function poolError(e: unknown): PoolError {
  if (Array.isArray(e))
    return new PoolError(String(e[1] ?? 'error').slice(0, 200), typeof e[0] === 'number' ? e[0] : null);
  if (typeof e === 'object' && e !== null && 'message' in e) {
    const o = e as { message: unknown; code?: unknown };
    return new PoolError(String(o.message).slice(0, 200), typeof o.code === 'number' ? o.code : null);
  }
  return new PoolError(typeof e === 'string' ? e.slice(0, 200) : JSON.stringify(e).slice(0, 200), null);
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
