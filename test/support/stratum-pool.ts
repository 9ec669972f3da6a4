/**
 * A Stratum V1 pool over real TCP (or TLS) for tests, written from the protocol's public
 * description and from what real pools send, not from Hearth's client:
 *
 * - Message order. `solo` is ckpool in btcsolo mode: after `mining.authorize` it sends
 *   `mining.set_difficulty`, `mining.notify` and a `client.show_message` greeting, and only then the
 *   authorize reply. `pooled` is the order most pooled servers use: `mining.set_difficulty` and
 *   `mining.notify` in the same write as the subscribe reply, before the miner has authorised.
 * - Each connection gets its own extranonce1, so a job kept across a reconnect hashes to a header
 *   the pool does not recognise.
 * - `mining.configure` (BIP 310) is answered as ckpool does: `version-rolling: true` and the
 *   pool's mask, whatever mask the miner asked for.
 * - Shares are checked by the pool's own code (node:crypto, nothing shared with the miner), with
 *   the version rebuilt by one of the two formulas real pools use: ckpool's `job | bits`, or
 *   BIP 310's `(job & ~mask) | (bits & mask)`. Bits outside the mask are refused ("Invalid version
 *   mask"), as ckpool does.
 * - Rejections in one of two styles: error arrays with Stratum's codes (21 Stale / Invalid JobID,
 *   22 Duplicate, 23 Above target, 24 Unauthorised worker), or ckpool's older
 *   `{result: false, error: null, "reject-reason": "..."}`.
 * - A refused worker gets ckpool's answer: a "Failed authorisation :(" message, then
 *   `{result: false, error: null}`.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

export type TestJob = {
  id: string;
  prevHash: string;
  coinb1: string;
  coinb2: string;
  branch: string[];
  version: string;
  nbits: string;
  ntime: string;
  difficulty: number;
};

export type Verdict =
  'accepted' | 'above-target' | 'stale' | 'invalid-job' | 'duplicate' | 'bad-version' | 'unauthorised';

export type ReceivedShare = {
  session: number;
  jobId: string;
  extranonce2: string;
  ntime: string;
  nonce: string;
  versionBits?: string;
  /** The header version the pool rebuilt (hex), and the hash it got (internal byte order). */
  version: string;
  hash: string;
  difficulty: number;
  verdict: Verdict;
  at: number;
};

export type Session = {
  id: number;
  extranonce1: string;
  connectedAt: number;
  authorizedAt: number | null;
  firstAcceptedAt: number | null;
  user: string | null;
};

export type PoolBehaviour = {
  /** `solo`: difficulty and job before the authorize reply (ckpool). `pooled`: right after the subscribe reply. */
  order?: 'solo' | 'pooled';
  /** How the pool rebuilds a rolled version: ckpool's `or`, or BIP 310's `bip310`. */
  versionFormula?: 'or' | 'bip310';
  rejectStyle?: 'codes' | 'reject-reason';
  /** The version every job carries (hex); regtest from height 144 uses 30000000 (bit 28 inside the usual mask). */
  jobVersion?: string;
  /** BIP 310 mask offered (hex); null: mining.configure is answered as an unknown method. */
  versionMask?: string | null;
  extranonce2Size?: number;
  /** Who may mine; default: worker "alice.rig" with password "x". */
  accept?(user: string, password: string): boolean;
  /** Each connection's extranonce1 (hex); default: 4 bytes, different for every connection. */
  extranonce1For?(session: number): string;
  /** Reject every share as "Above target" (a pool whose check disagrees with the miner's work). */
  rejectAll?: boolean;
};

/** ckpool solo: difficulty and job before the authorize reply, version rebuilt as job | bits, numeric reject codes. */
export const CKPOOL_SOLO: PoolBehaviour = {
  order: 'solo',
  versionFormula: 'or',
  rejectStyle: 'codes',
  jobVersion: '30000000',
  versionMask: '1fffe000',
  extranonce2Size: 8,
};

/** A pooled server: difficulty and job right after the subscribe reply, BIP 310 versions, reject-reason. */
export const POOLED_BIP310: PoolBehaviour = {
  order: 'pooled',
  versionFormula: 'bip310',
  rejectStyle: 'reject-reason',
  jobVersion: '30000000',
  versionMask: '1fffe000',
  extranonce2Size: 4,
};

const dsha = (b: Buffer) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

/** The header hash the pool computes for a submitted share (internal byte order). */
export function independentShareHash(
  job: TestJob,
  extranonce1: string,
  extranonce2: string,
  ntime: string,
  nonce: string,
  version = job.version,
): Buffer {
  let root = dsha(Buffer.from(job.coinb1 + extranonce1 + extranonce2 + job.coinb2, 'hex'));
  for (const b of job.branch) root = dsha(Buffer.concat([root, Buffer.from(b, 'hex')]));
  const prev = Buffer.from(job.prevHash, 'hex');
  const prevHeader = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4)
    prev
      .subarray(i, i + 4)
      .reverse()
      .copy(prevHeader, i); // word byte swap
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return dsha(Buffer.concat([le(version), prevHeader, root, le(ntime), le(job.nbits), le(nonce)]));
}

/** Does the hash (as a little-endian number) meet pool difficulty d? Exact for d = 2^k. */
export function meetsDifficulty(hash: Buffer, d: number): boolean {
  const value = BigInt('0x' + Buffer.from(hash).reverse().toString('hex'));
  const diff1 = 0xffffn << 208n;
  return d >= 1 ? value * BigInt(Math.round(d)) <= diff1 : value <= diff1 * BigInt(Math.round(1 / d));
}

const REASONS: Record<Exclude<Verdict, 'accepted'>, [number, string]> = {
  'above-target': [23, 'Above target'],
  stale: [21, 'Stale'],
  'invalid-job': [21, 'Invalid JobID'],
  duplicate: [22, 'Duplicate'],
  'bad-version': [20, 'Invalid version mask'],
  unauthorised: [24, 'Unauthorised worker'],
};

type Conn = { socket: net.Socket; session: Session; subscribed: boolean; authorized: boolean };

export class TestPool {
  private server: net.Server;
  private readonly conns = new Set<Conn>();
  readonly shares: ReceivedShare[] = [];
  /** Every line received, in order. */
  readonly log: string[] = [];
  readonly sessionList: Session[] = [];
  authorized = 0;
  jobs = new Map<string, TestJob>();
  private readonly retired = new Set<string>();
  difficulty: number;
  readonly b: Required<PoolBehaviour>;
  /** What the next subscribe answers, or a function to misbehave with. */
  onSubscribe: ((socket: net.Socket, id: unknown) => void) | null = null;
  /**
   * Called right after a successful authorize reply went out: a pool that authorises and then
   * misbehaves (closes, sends garbage, asks for a reconnect to itself) is written here.
   */
  afterAuthorize: ((socket: net.Socket, session: Session) => void) | null = null;
  private jobCounter = 0;
  private seen = new Set<string>();
  private readonly tls: boolean;

  /** `tls`: serve stratum+ssl with this key and certificate (PEM). */
  constructor(opts: { difficulty: number; tls?: { key: string; cert: string } } & PoolBehaviour) {
    this.difficulty = opts.difficulty;
    this.b = {
      order: opts.order ?? 'solo',
      versionFormula: opts.versionFormula ?? 'or',
      rejectStyle: opts.rejectStyle ?? 'codes',
      jobVersion: opts.jobVersion ?? '20000000',
      versionMask: opts.versionMask === undefined ? null : opts.versionMask,
      extranonce2Size: opts.extranonce2Size ?? 4,
      accept: opts.accept ?? ((u, p) => u === 'alice.rig' && p === 'x'),
      rejectAll: opts.rejectAll ?? false,
      extranonce1For: opts.extranonce1For ?? ((n) => (0xf0000000 + n).toString(16)),
    };
    this.tls = opts.tls !== undefined;
    this.server = opts.tls
      ? tls.createServer(opts.tls, (s) => this.onConnection(s))
      : net.createServer((s) => this.onConnection(s));
  }

  get sessions(): number {
    return this.sessionList.length;
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `stratum+${this.tls ? 'ssl' : 'tcp'}://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise((r) => this.server.close(r));
  }

  /** Sends to every connection that has subscribed. */
  send(obj: unknown): void {
    this.sendRaw(JSON.stringify(obj) + '\n');
  }

  sendRaw(text: string): void {
    for (const c of this.conns) c.socket.write(text);
  }

  setDifficulty(d: number): void {
    this.difficulty = d;
    this.send({ id: null, method: 'mining.set_difficulty', params: [d] });
  }

  /** Makes a new job and sends it to every subscribed connection; `clean` retires all earlier jobs. */
  notify(clean: boolean): TestJob {
    const job = this.makeJob(clean);
    for (const c of this.conns) if (c.subscribed) c.socket.write(this.notifyLine(job, clean));
    return job;
  }

  /** Sends a job made elsewhere (a known block's parts) under the current difficulty. */
  notifyJob(
    parts: Omit<TestJob, 'id' | 'difficulty' | 'branch'> & { jobId: string; merkleBranch: string[] },
    clean = true,
  ): TestJob {
    const job: TestJob = {
      id: parts.jobId,
      prevHash: parts.prevHash,
      coinb1: parts.coinb1,
      coinb2: parts.coinb2,
      branch: parts.merkleBranch,
      version: parts.version,
      nbits: parts.nbits,
      ntime: parts.ntime,
      difficulty: this.difficulty,
    };
    if (clean) {
      for (const id of this.jobs.keys()) this.retired.add(id);
      this.jobs.clear();
    }
    this.jobs.set(job.id, job);
    for (const c of this.conns) if (c.subscribed) c.socket.write(this.notifyLine(job, clean));
    return job;
  }

  /** client.reconnect to every connection (to the same host and port, as pools do for maintenance). */
  reconnect(waitS = 0): void {
    this.sendRaw(this.reconnectLine(waitS));
  }

  /** client.reconnect's params are [host, port, wait in seconds] (ckpool, public-pool). */
  reconnectLine(waitS = 0): string {
    const port = (this.server.address() as net.AddressInfo).port;
    return JSON.stringify({ id: null, method: 'client.reconnect', params: ['127.0.0.1', port, waitS] }) + '\n';
  }

  dropAll(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  accepted(): ReceivedShare[] {
    return this.shares.filter((s) => s.verdict === 'accepted');
  }

  private makeJob(clean: boolean): TestJob {
    const n = ++this.jobCounter;
    const rnd = (bytes: number) =>
      createHash('sha256').update(`${n}/${bytes}/${Math.random()}`).digest().subarray(0, bytes).toString('hex');
    const last = [...this.jobs.values()].at(-1);
    const job: TestJob = {
      id: n.toString(16),
      prevHash: clean || !last ? rnd(32) : last.prevHash,
      coinb1: '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20' + rnd(20),
      coinb2: rnd(40) + '00000000',
      branch: [rnd(32), rnd(32), rnd(32)],
      version: this.b.jobVersion,
      nbits: '1703a30c',
      ntime: (0x67000000 + n).toString(16),
      difficulty: this.difficulty,
    };
    if (clean) {
      for (const id of this.jobs.keys()) this.retired.add(id);
      this.jobs.clear();
    }
    this.jobs.set(job.id, job);
    return job;
  }

  private notifyLine(job: TestJob, clean: boolean): string {
    return (
      JSON.stringify({
        id: null,
        method: 'mining.notify',
        params: [job.id, job.prevHash, job.coinb1, job.coinb2, job.branch, job.version, job.nbits, job.ntime, clean],
      }) + '\n'
    );
  }

  /** Difficulty and the newest job (a pool always has work: one is made if none exists). */
  private work(): string {
    const last = [...this.jobs.values()].at(-1) ?? this.makeJob(true);
    return (
      JSON.stringify({ id: null, method: 'mining.set_difficulty', params: [last.difficulty] }) +
      '\n' +
      this.notifyLine(last, true)
    );
  }

  private onConnection(socket: net.Socket): void {
    const session: Session = {
      id: this.sessionList.length + 1,
      extranonce1: this.b.extranonce1For(this.sessionList.length + 1),
      connectedAt: Date.now(),
      authorizedAt: null,
      firstAcceptedAt: null,
      user: null,
    };
    this.sessionList.push(session);
    const conn: Conn = { socket, session, subscribed: false, authorized: false };
    this.conns.add(conn);
    socket.on('close', () => this.conns.delete(conn));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buf = '';
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.log.push(line);
        let m: { id: unknown; method: string; params: unknown[] };
        try {
          m = JSON.parse(line) as typeof m;
        } catch {
          socket.destroy(); // ckpool drops a client that sends invalid JSON
          return;
        }
        this.onRequest(conn, m);
      }
    });
  }

  private reject(conn: Conn, id: unknown, verdict: Exclude<Verdict, 'accepted'>): void {
    const [code, text] = REASONS[verdict];
    const body =
      this.b.rejectStyle === 'codes'
        ? { id, result: null, error: [code, text, null] }
        : { id, result: false, error: null, 'reject-reason': text };
    conn.socket.write(JSON.stringify(body) + '\n');
  }

  private onRequest(conn: Conn, m: { id: unknown; method: string; params: unknown[] }): void {
    const { socket, session } = conn;
    const reply = (result: unknown, error: unknown = null): void =>
      void socket.write(JSON.stringify({ id: m.id, result, error }) + '\n');
    const params = Array.isArray(m.params) ? m.params : [];
    switch (m.method) {
      case 'mining.configure':
        if (this.b.versionMask === null) return reply(null, [20, `unsupported method ${m.method}`, null]);
        return reply({ 'version-rolling': true, 'version-rolling.mask': this.b.versionMask });
      case 'mining.subscribe': {
        if (this.onSubscribe) return this.onSubscribe(socket, m.id);
        conn.subscribed = true;
        const answer =
          JSON.stringify({
            id: m.id,
            result: [
              [
                ['mining.set_difficulty', 'd1'],
                ['mining.notify', 'n1'],
              ],
              session.extranonce1,
              this.b.extranonce2Size,
            ],
            error: null,
          }) + '\n';
        // One write, as a pooled server's buffered socket sends it: the miner sees them in one chunk.
        socket.write(this.b.order === 'pooled' ? answer + this.work() : answer);
        return;
      }
      case 'mining.authorize': {
        const [user, password] = params as [string, string];
        if (!this.b.accept(String(user), String(password ?? ''))) {
          socket.write(
            JSON.stringify({ id: null, method: 'client.show_message', params: ['Failed authorisation :('] }) + '\n',
          );
          return reply(false, null);
        }
        conn.authorized = true;
        session.user = String(user);
        session.authorizedAt = Date.now();
        this.authorized++;
        if (this.b.order === 'solo')
          socket.write(
            this.work() +
              JSON.stringify({
                id: null,
                method: 'client.show_message',
                params: [`Authorised, welcome to test pool ${String(user)}!`],
              }) +
              '\n',
          );
        reply(true);
        this.afterAuthorize?.(socket, session);
        return;
      }
      case 'mining.submit':
        return this.onSubmit(conn, m.id, params);
      default:
        return reply(null, [20, `unsupported method ${m.method}`, null]);
    }
  }

  private onSubmit(conn: Conn, id: unknown, params: unknown[]): void {
    const [, jobId, en2, ntime, nonce, bits] = params.map((p) => (typeof p === 'string' ? p : ''));
    const job = this.jobs.get(jobId!);
    const share: ReceivedShare = {
      session: conn.session.id,
      jobId: jobId!,
      extranonce2: en2!,
      ntime: ntime!,
      nonce: nonce!,
      version: '',
      hash: '',
      difficulty: job?.difficulty ?? 0,
      verdict: 'accepted',
      at: Date.now(),
    };
    if (bits) share.versionBits = bits;
    const verdict = ((): Verdict => {
      if (!conn.authorized) return 'unauthorised';
      if (!job) return this.retired.has(jobId!) ? 'stale' : 'invalid-job';
      let version = parseInt(job.version, 16);
      if (bits) {
        const mask = parseInt(this.b.versionMask ?? '0', 16);
        const b = parseInt(bits, 16);
        if (this.b.versionMask === null || (b & ~mask) !== 0) return 'bad-version';
        version = this.b.versionFormula === 'or' ? version | b : (version & ~mask) | (b & mask);
      }
      share.version = (version >>> 0).toString(16).padStart(8, '0');
      const hash = independentShareHash(job, conn.session.extranonce1, en2!, ntime!, nonce!, share.version);
      share.hash = hash.toString('hex');
      const key = `${conn.session.extranonce1}/${jobId}/${en2}/${ntime}/${nonce}/${share.version}`;
      if (this.seen.has(key)) return 'duplicate';
      if (this.b.rejectAll || !meetsDifficulty(hash, job.difficulty)) return 'above-target';
      this.seen.add(key);
      return 'accepted';
    })();
    share.verdict = verdict;
    this.shares.push(share);
    if (verdict === 'accepted') {
      conn.session.firstAcceptedAt ??= share.at;
      conn.socket.write(JSON.stringify({ id, result: true, error: null }) + '\n');
    } else this.reject(conn, id, verdict);
  }
}

/**
 * A pool listening on a free loopback port with a job already out, at a difficulty a CPU miner meets
 * within moments: what a test needs that only wants mining to happen.
 */
export async function easyPool(): Promise<TestPool> {
  const pool = new TestPool({ difficulty: 2 ** -14 });
  await pool.listen();
  pool.notify(true);
  return pool;
}
