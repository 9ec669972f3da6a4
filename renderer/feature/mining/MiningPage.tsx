import { useEffect, useState } from 'react';
import type { MiningPoolInput, MiningSettings, MiningShare, MiningStatus } from '#contract/index';
import { api } from '../../api/client.ts';
import { useCall, useEventSeries } from '../../api/hooks.ts';
import { LineChart } from '../../component/chart.tsx';
import { fmtHashRate, fmtMoney, fmtNumber, fmtTime } from '../../component/format.ts';
import { Card, ErrorBanner, Facts, Stat } from '../../component/ui.tsx';

const POWER_LEVELS = [25, 50, 75, 100];
/** Block subsidy since the April 2024 halving (fees come on top and vary). */
const BLOCK_REWARD_BTC = 3.125;

type PoolRow = { url: string; user: string; password: string; hasPassword: boolean; extranonceSubscribe: boolean };

const STATE_LABEL: Record<MiningStatus['pool']['state'], string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  subscribing: 'subscribing…',
  mining: 'mining',
  waiting: 'waiting to reconnect',
};

/** Pool difficulties run from 1e-4 (test pools) to 1e6: keep significant digits, not decimals. */
const fmtDifficulty = (d: number) => (d >= 1000 ? fmtNumber(d, 0) : d.toPrecision(4));

/** Expected BTC per day: a share of the network's blocks equal to our share of its hash rate. */
export function expectedBtcPerDay(hashRate: number, networkDifficulty: number): number {
  return (hashRate * 86_400 * BLOCK_REWARD_BTC) / (networkDifficulty * 2 ** 32);
}

function PoolsCard({ settings, onSaved }: { settings: MiningSettings; onSaved: (s: MiningSettings) => void }) {
  const [rows, setRows] = useState<PoolRow[]>(() => settings.pools.map((p) => ({ ...p, password: '' })));
  const [error, setError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);
  const edit = (i: number, patch: Partial<PoolRow>) => {
    setSaved(false);
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const save = () => {
    const pools: MiningPoolInput[] = rows.map((r) => ({
      url: r.url,
      user: r.user,
      extranonceSubscribe: r.extranonceSubscribe,
      ...(r.password !== '' ? { password: r.password } : {}),
    }));
    setError(undefined);
    api.send('mining-settings-set', { pools }).then(
      (s) => {
        setSaved(true);
        setRows(s.pools.map((p) => ({ ...p, password: '' })));
        onSaved(s);
      },
      (e: Error) => setError(e),
    );
  };
  return (
    <Card title="Pools" wide>
      <p className="muted">The first pool is used; the others take over when it fails. Passwords are {settings.secretsEncrypted ? 'encrypted by the operating system' : 'stored as typed in the data folder (only your user can read it)'}.</p>
      <ErrorBanner error={error} />
      {rows.map((r, i) => (
        <div className="form-row" key={i} data-testid={`pool-${i}`}>
          <label>
            Pool URL
            <input value={r.url} placeholder="stratum+tcp://pool.example.com:3333" onChange={(e) => edit(i, { url: e.target.value })} data-testid={`pool-${i}-url`} />
          </label>
          <label>
            Worker
            <input value={r.user} placeholder="account.worker" onChange={(e) => edit(i, { user: e.target.value })} data-testid={`pool-${i}-user`} />
          </label>
          <label>
            Password
            <input type="password" value={r.password} placeholder={r.hasPassword ? 'stored (unchanged)' : 'often x'} onChange={(e) => edit(i, { password: e.target.value })} data-testid={`pool-${i}-password`} />
          </label>
          <label className="check">
            <input type="checkbox" checked={r.extranonceSubscribe} onChange={(e) => edit(i, { extranonceSubscribe: e.target.checked })} />
            extranonce.subscribe
          </label>
          <button onClick={() => setRows(rows.filter((_, j) => j !== i))} data-testid={`pool-${i}-remove`}>
            Remove
          </button>
        </div>
      ))}
      <div className="form-row">
        <button onClick={() => setRows([...rows, { url: '', user: '', password: '', hasPassword: false, extranonceSubscribe: false }])} data-testid="pool-add">
          Add pool
        </button>
        <button className="primary" onClick={save} data-testid="pools-save">
          Save pools
        </button>
        {saved && <span data-testid="pools-saved">saved</span>}
      </div>
    </Card>
  );
}

function EarningsCard({ hashRate }: { hashRate: number }) {
  const [difficulty, setDifficulty] = useState(() => localStorage.getItem('hearth.mining.networkDifficulty') ?? '');
  const [price, setPrice] = useState(() => localStorage.getItem('hearth.mining.btcPrice') ?? '');
  const [currency, setCurrency] = useState(() => localStorage.getItem('hearth.mining.currency') ?? 'EUR');
  useEffect(() => {
    localStorage.setItem('hearth.mining.networkDifficulty', difficulty);
    localStorage.setItem('hearth.mining.btcPrice', price);
    localStorage.setItem('hearth.mining.currency', currency);
  }, [difficulty, price, currency]);
  const d = Number(difficulty);
  const p = Number(price);
  const btc = d > 0 ? expectedBtcPerDay(hashRate, d) : null;
  return (
    <Card title="Expected earnings">
      <p className="muted">For a CPU these are tiny: the heat is the point. Enter the network difficulty and the BTC price (from any block explorer); they are kept in this browser.</p>
      <div className="form-row">
        <label>
          Network difficulty
          <input value={difficulty} onChange={(e) => setDifficulty(e.target.value)} placeholder="e.g. 1.0e14" data-testid="earn-difficulty" />
        </label>
        <label>
          BTC price
          <input value={price} onChange={(e) => setPrice(e.target.value)} placeholder="e.g. 90000" data-testid="earn-price" />
        </label>
        <label>
          Currency
          <input value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase().slice(0, 3))} />
        </label>
      </div>
      <Facts
        testId="earnings"
        rows={[
          ['Hash rate', fmtHashRate(hashRate)],
          ['BTC per day', btc === null ? 'enter the network difficulty' : `${btc.toExponential(3)} BTC`],
          ['Per day', btc === null || !(p > 0) ? 'enter difficulty and price' : fmtMoney(btc * p, /^[A-Z]{3}$/.test(currency) ? currency : 'EUR')],
          ['Block reward used', `${BLOCK_REWARD_BTC} BTC (subsidy, fees not included)`],
        ]}
      />
    </Card>
  );
}

export function MiningPage() {
  const settings = useCall('mining-settings-get', {});
  const status = useCall('mining-status', {});
  const shares = useCall('mining-shares', { limit: 20 });
  const rates = useEventSeries('hash-rate', 120);
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const [threads, setThreads] = useState<string>('');
  const { reload: reloadStatus } = status;
  const { reload: reloadShares } = shares;

  useEffect(() => {
    if (settings.data && threads === '') setThreads(String(settings.data.threads));
  }, [settings.data, threads]);
  // Live figures come with each hash-rate event; refresh the status and share list alongside.
  const last = rates.at(-1);
  useEffect(() => {
    if (last) {
      reloadStatus();
      reloadShares();
    }
  }, [last, reloadStatus, reloadShares]);

  const st = status.data;
  const act = (p: Promise<MiningStatus>) => {
    setBusy(true);
    setError(undefined);
    p.then(
      () => {
        setBusy(false);
        reloadStatus();
      },
      (e: Error) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  const setPower = (patch: { threads?: number; powerPct?: number }) => act(api.send('mining-set-power', patch));

  return (
    <div className="page mining" data-testid="mining-page">
      <ErrorBanner error={error ?? settings.error ?? status.error} />
      {st && (
        <Card title="Miner" wide>
          <div className="stats">
            <Stat label="Hash rate" value={fmtHashRate(st.running ? (last?.hashRate ?? st.hashRate) : 0)} note={st.perThread.length > 0 ? st.perThread.map((r) => fmtHashRate(r)).join(' · ') : undefined} testId="mining-rate" />
            <Stat label="Accepted" value={String(st.accepted)} note={`${st.totals.accepted} in all`} testId="mining-accepted" />
            <Stat label="Rejected" value={String(st.rejected)} note={`${st.totals.rejected} in all`} testId="mining-rejected" />
            <Stat label="Stale" value={String(st.stale)} note={`${st.totals.stale} in all`} testId="mining-stale" />
          </div>
          <Facts
            testId="mining-facts"
            rows={[
              ['Pool', <span data-testid="mining-pool-state">{`${STATE_LABEL[st.pool.state]}${st.pool.url ? ` · ${st.pool.url}` : ''}`}</span>],
              ['Pool difficulty', st.pool.difficulty === null ? '—' : fmtDifficulty(st.pool.difficulty)],
              ['Job difficulty', st.jobDifficulty === null ? '—' : fmtDifficulty(st.jobDifficulty)],
              ['Kernel', st.kernel ? st.kernel.description : 'starts with the miner'],
              ['Last pool error', st.pool.lastError ?? '—'],
            ]}
          />
          <div className="form-row">
            {st.running ? (
              <button className="primary" disabled={busy} onClick={() => act(api.send('mining-stop', {}))} data-testid="mining-stop">
                Stop
              </button>
            ) : (
              <button className="primary" disabled={busy} onClick={() => act(api.send('mining-start', {}))} data-testid="mining-start">
                Start
              </button>
            )}
            <label>
              Threads
              <input type="number" min={0} value={threads} onChange={(e) => setThreads(e.target.value)} onBlur={() => setPower({ threads: Number(threads) })} data-testid="mining-threads" />
            </label>
            <label>
              Power level
              <select value={st.powerPct} onChange={(e) => setPower({ powerPct: Number(e.target.value) })} data-testid="mining-power">
                {POWER_LEVELS.map((p) => (
                  <option key={p} value={p}>
                    {p} %
                  </option>
                ))}
              </select>
            </label>
          </div>
          <LineChart label="Hash rate, last two minutes" unit="H/s" series={[{ name: 'hash rate', color: 'var(--accent)', values: rates.map((r) => r.hashRate) }]} />
        </Card>
      )}
      {settings.data && <PoolsCard settings={settings.data} onSaved={() => reloadStatus()} />}
      <Card title="Latest shares" wide>
        <SharesTable shares={shares.data ?? []} />
      </Card>
      <EarningsCard hashRate={st?.running ? (last?.hashRate ?? st.hashRate) : 0} />
    </div>
  );
}

function SharesTable({ shares }: { shares: MiningShare[] }) {
  if (shares.length === 0) return <p className="muted">No shares yet.</p>;
  return (
    <table className="table" data-testid="mining-shares">
      <thead>
        <tr>
          <th>Time</th>
          <th>Result</th>
          <th>Job</th>
          <th>Reached / pool difficulty</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {shares.map((s) => (
          <tr key={s.id} className={`share ${s.outcome}`}>
            <td>{fmtTime(s.at)}</td>
            <td>{s.outcome}</td>
            <td>{s.jobId}</td>
            <td>{`${s.hashDifficulty.toPrecision(4)} / ${s.difficulty.toPrecision(4)}`}</td>
            <td>{s.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
