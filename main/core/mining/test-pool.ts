/**
 * A real Stratum V1 pool over TCP for tests. It checks every submitted share on its own: it
 * rebuilds the coinbase, merkle root and header from the job's parts with node:crypto (no code
 * shared with the miner's header builder) and compares the hash with the difficulty the job was
 * sent under.
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

export type ReceivedShare = { session: number; jobId: string; extranonce2: string; ntime: string; nonce: string; versionBits?: string; hash: string; difficulty: number; verdict: 'accepted' | 'low-difficulty' | 'stale' | 'duplicate' | 'bad' };

const dsha = (b: Buffer) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

export function independentShareHash(job: TestJob, extranonce1: string, extranonce2: string, ntime: string, nonce: string, version = job.version): Buffer {
  let root = dsha(Buffer.from(job.coinb1 + extranonce1 + extranonce2 + job.coinb2, 'hex'));
  for (const b of job.branch) root = dsha(Buffer.concat([root, Buffer.from(b, 'hex')]));
  const prev = Buffer.from(job.prevHash, 'hex');
  const prevHeader = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4) prev.subarray(i, i + 4).reverse().copy(prevHeader, i); // word byte swap
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return dsha(Buffer.concat([le(version), prevHeader, root, le(ntime), le(job.nbits), le(nonce)]));
}

/** Does the hash (as a little-endian number) meet pool difficulty d? Exact for d = 2^k. */
export function meetsDifficulty(hash: Buffer, d: number): boolean {
  const value = BigInt('0x' + Buffer.from(hash).reverse().toString('hex'));
  const diff1 = 0xffffn << 208n;
  return d >= 1 ? value * BigInt(Math.round(d)) <= diff1 : value <= diff1 * BigInt(Math.round(1 / d));
}

export class TestPool {
  private server: net.Server;
  readonly sockets = new Set<net.Socket>();
  readonly shares: ReceivedShare[] = [];
  readonly log: string[] = [];
  sessions = 0;
  authorized = 0;
  jobs = new Map<string, TestJob>();
  difficulty: number;
  extranonce1 = 'f000000d';
  extranonce2Size = 4;
  /** Offer BIP 310 version rolling with this mask (hex); null answers mining.configure as unknown. */
  versionMask: string | null = null;
  /** What the next subscribe answers, or a function to misbehave with. */
  onSubscribe: ((socket: net.Socket, id: unknown) => void) | null = null;
  private jobCounter = 0;
  private seen = new Set<string>();

  /** `tls`: serve stratum+ssl with this key and certificate (PEM). */
  constructor(opts: { difficulty: number; tls?: { key: string; cert: string } }) {
    this.difficulty = opts.difficulty;
    this.tls = opts.tls !== undefined;
    this.server = opts.tls ? tls.createServer(opts.tls, (s) => this.onConnection(s)) : net.createServer((s) => this.onConnection(s));
  }
  private readonly tls: boolean;

  async listen(port = 0): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `stratum+${this.tls ? 'ssl' : 'tcp'}://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  send(obj: unknown): void {
    this.sendRaw(JSON.stringify(obj) + '\n');
  }

  sendRaw(text: string): void {
    for (const s of this.sockets) s.write(text);
  }

  setDifficulty(d: number): void {
    this.difficulty = d;
    this.send({ id: null, method: 'mining.set_difficulty', params: [d] });
  }

  /** Sends a new job; `clean` makes all earlier jobs stale. */
  notify(clean: boolean): TestJob {
    const n = ++this.jobCounter;
    const rnd = (bytes: number) => createHash('sha256').update(`${n}/${bytes}/${Math.random()}`).digest().subarray(0, bytes).toString('hex');
    const job: TestJob = {
      id: `job${n}`,
      prevHash: clean ? rnd(32) : (([...this.jobs.values()].at(-1)?.prevHash) ?? rnd(32)),
      coinb1: '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20' + rnd(20),
      coinb2: rnd(40) + '00000000',
      branch: [rnd(32), rnd(32), rnd(32)],
      version: '20000000',
      nbits: '1703a30c',
      ntime: (0x67000000 + n).toString(16),
      difficulty: this.difficulty,
    };
    if (clean) this.jobs.clear();
    this.jobs.set(job.id, job);
    this.send({ id: null, method: 'mining.notify', params: [job.id, job.prevHash, job.coinb1, job.coinb2, job.branch, job.version, job.nbits, job.ntime, clean] });
    return job;
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private onConnection(socket: net.Socket): void {
    const session = ++this.sessions;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
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
        this.onRequest(socket, session, JSON.parse(line) as { id: unknown; method: string; params: unknown[] });
      }
    });
  }

  private onRequest(socket: net.Socket, session: number, m: { id: unknown; method: string; params: unknown[] }): void {
    const reply = (result: unknown, error: unknown = null) => socket.write(JSON.stringify({ id: m.id, result, error }) + '\n');
    if (m.method === 'mining.subscribe') {
      if (this.onSubscribe) return this.onSubscribe(socket, m.id);
      reply([[['mining.set_difficulty', 'd1'], ['mining.notify', 'n1']], this.extranonce1, this.extranonce2Size]);
      return;
    }
    if (m.method === 'mining.configure' && this.versionMask !== null) {
      reply({ 'version-rolling': true, 'version-rolling.mask': this.versionMask });
      return;
    }
    if (m.method === 'mining.authorize') {
      const ok = m.params[0] === 'alice.rig' && m.params[1] === 'x';
      if (ok) this.authorized++;
      reply(ok, ok ? null : [24, 'unauthorized worker', null]);
      if (ok) {
        socket.write(JSON.stringify({ id: null, method: 'mining.set_difficulty', params: [this.difficulty] }) + '\n');
        const last = [...this.jobs.values()].at(-1);
        if (last) socket.write(JSON.stringify({ id: null, method: 'mining.notify', params: [last.id, last.prevHash, last.coinb1, last.coinb2, last.branch, last.version, last.nbits, last.ntime, true] }) + '\n');
      }
      return;
    }
    if (m.method === 'mining.submit') {
      const [, jobId, en2, ntime, nonce, bits] = m.params as string[];
      const job = this.jobs.get(jobId!);
      const share: ReceivedShare = { session, jobId: jobId!, extranonce2: en2!, ntime: ntime!, nonce: nonce!, hash: '', difficulty: job?.difficulty ?? 0, verdict: 'bad' };
      if (!job) {
        share.verdict = 'stale';
        reply(null, [21, 'job not found (stale)', null]);
      } else {
        let version = job.version;
        if (bits !== undefined) {
          const mask = parseInt(this.versionMask ?? '0', 16);
          const b = parseInt(bits, 16);
          if (this.versionMask === null || (b & ~mask) !== 0) {
            share.verdict = 'bad';
            this.shares.push(share);
            reply(null, [20, 'version bits outside the mask', null]);
            return;
          }
          version = (((parseInt(job.version, 16) & ~mask) | b) >>> 0).toString(16).padStart(8, '0');
          share.versionBits = bits;
        }
        const hash = independentShareHash(job, this.extranonce1, en2!, ntime!, nonce!, version);
        share.hash = hash.toString('hex');
        const key = `${jobId}/${en2}/${nonce}`;
        if (this.seen.has(key)) {
          share.verdict = 'duplicate';
          reply(null, [22, 'duplicate share', null]);
        } else if (!meetsDifficulty(hash, job.difficulty)) {
          share.verdict = 'low-difficulty';
          reply(null, [23, 'low difficulty share', null]);
        } else {
          this.seen.add(key);
          share.verdict = 'accepted';
          reply(true);
        }
      }
      this.shares.push(share);
      return;
    }
    reply(null, [20, `unsupported method ${m.method}`, null]);
  }
}
