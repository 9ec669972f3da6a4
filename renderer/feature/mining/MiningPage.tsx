import { useEffect, useState } from 'react';
import type { MiningPoolCheck, MiningPoolInput, MiningSettings, MiningShare, MiningStatus } from '#contract/index';
import { miningArgs } from '#contract/mining';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent, useEventSeries, useSave } from '../../api/hooks.ts';
import { perSecondX, TimeChart } from '../../component/chart.tsx';
import {
  fmtDuration,
  fmtFigureSource,
  fmtHashRate,
  fmtReasons,
  fmtKWh,
  fmtMoney,
  fmtNumber,
  fmtTime,
  fmtW,
} from '../../component/format.ts';
import { Card, ErrorBanner, Facts, SaveButton, Stat, Table } from '../../component/ui.tsx';
import { Check, FormErrors, Select, TextField, TextFields, useFormErrors } from '../../component/field.tsx';
import { useMoney } from '../dashboard/money.ts';
import { MiningLedger, StartEstimate } from './StartEstimate.tsx';

const POWER_LEVELS: [string, string][] = [25, 50, 75, 100].map((p) => [String(p), `${p} %`]);
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'JPY'];

type PoolRow = { url: string; user: string; password: string; hasPassword: boolean; extranonceSubscribe: boolean };

const STATE_LABEL: Record<MiningStatus['pool']['state'], string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  subscribing: 'subscribing…',
  mining: 'mining',
  waiting: 'waiting to reconnect',
  refused: 'stopped: the pool refused the worker',
};

/** Seconds to a share span milliseconds (test pools) to years (a CPU on a solo pool's difficulty). */
const fmtWait = (s: number) => (s < 60 ? `${s.toPrecision(3)} s` : fmtDuration(s * 1000));

function CheckResult({ check }: { check: MiningPoolCheck }) {
  if (!check.ok)
    return (
      <p
        className="banner error"
        role="alert"
        data-testid="pool-check-result"
      >{`Not usable: ${check.error ?? 'no reason given'}`}</p>
    );
  return (
    <Facts
      testId="pool-check-result"
      rows={[
        ['Answer', `ok: first job ${check.msToJob} ms after connecting`],
        ['Difficulty', check.difficulty === null ? '—' : fmtDifficulty(check.difficulty)],
        ['Job version', check.jobVersion ?? '—'],
        [
          'Version rolling',
          check.versionRollingMask === null
            ? 'not offered (mining works without it)'
            : `mask ${check.versionRollingMask.toString(16).padStart(8, '0')}`,
        ],
        ['Extranonce', `extranonce1 ${check.extranonce1Bytes} bytes, extranonce2 ${check.extranonce2Size} bytes`],
        ['This machine', check.hashRate === null ? '—' : `${fmtHashRate(check.hashRate)} (${check.hashRateSource})`],
        [
          'Time to a share',
          check.expectedSecondsPerShare === null
            ? '—'
            : `${fmtWait(check.expectedSecondsPerShare)} on average at that difficulty (estimate)`,
        ],
      ]}
    />
  );
}

/** Pool difficulties run from 1e-4 (test pools) to 1e6: keep significant digits, not decimals. */
const fmtDifficulty = (d: number) => (d >= 1000 ? fmtNumber(d, 0) : d.toPrecision(4));

function PoolsCard({ settings, onSaved }: { settings: MiningSettings; onSaved: (s: MiningSettings) => void }) {
  const [rows, setRows] = useState<PoolRow[]>(() => settings.pools.map((p) => ({ ...p, password: '' })));
  // One banner for both: starting one clears what the other left there.
  const save = useSave();
  const check = useAction();
  // The row whose check runs: its button says so.
  const [checking, setChecking] = useState<number | null>(null);
  const [checks, setChecks] = useState<Record<number, MiningPoolCheck>>({});
  const test = (i: number) => {
    const r = rows[i]!;
    setChecking(i);
    save.setError(undefined);
    check.run(
      () =>
        api.send('mining-check', {
          pool: { url: r.url, user: r.user, ...(r.password !== '' ? { password: r.password } : {}) },
        }),
      (c) => setChecks({ ...checks, [i]: c }),
    );
  };
  const edit = (i: number, patch: Partial<PoolRow>) => {
    save.edited();
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const store = () => {
    const pools: MiningPoolInput[] = rows.map((r) => ({
      url: r.url,
      user: r.user,
      extranonceSubscribe: r.extranonceSubscribe,
      ...(r.password !== '' ? { password: r.password } : {}),
    }));
    check.setError(undefined);
    save.run(
      () => api.send('mining-settings-set', { pools }),
      (s) => {
        setRows(s.pools.map((p) => ({ ...p, password: '' })));
        onSaved(s);
      },
    );
  };
  return (
    <Card title="Pools" wide>
      <p className="muted">
        The first pool is used; the others take over when it stops answering, and the first is used again once it has
        answered background checks for two minutes. A pool that refuses the worker stops mining until the settings
        change. Passwords are{' '}
        {settings.secretsEncrypted
          ? 'encrypted at rest (with the system keyring in the desktop app where there is one, else with a key file in the data folder that only your user can read)'
          : 'stored as typed in the data folder (only your user can read it)'}
        .
      </p>
      <ErrorBanner error={check.error ?? save.error} />
      {rows.map((r, i) => (
        <div className="form-row" key={i} data-testid={`pool-${i}`}>
          <TextFields
            fields={[
              {
                key: 'url',
                label: 'Pool URL',
                placeholder: 'stratum+tcp://pool.example.com:3333',
                testId: `pool-${i}-url`,
              },
              { key: 'user', label: 'Worker', placeholder: 'account.worker', testId: `pool-${i}-user` },
              {
                key: 'password',
                label: 'Password',
                type: 'password',
                placeholder: r.hasPassword ? 'stored (unchanged)' : 'often x',
                testId: `pool-${i}-password`,
              },
            ]}
            value={r}
            onChange={(row) => edit(i, row)}
          />
          <Check
            className="check"
            checked={r.extranonceSubscribe}
            onChange={(extranonceSubscribe) => edit(i, { extranonceSubscribe })}
          >
            extranonce.subscribe
          </Check>
          <button disabled={check.busy || !r.url || !r.user} onClick={() => test(i)} data-testid={`pool-${i}-test`}>
            {check.busy && checking === i ? 'Testing…' : 'Test pool'}
          </button>
          <button onClick={() => setRows(rows.filter((_, j) => j !== i))} data-testid={`pool-${i}-remove`}>
            Remove
          </button>
          {checks[i] && <CheckResult check={checks[i]} />}
        </div>
      ))}
      <div className="form-row">
        <button
          onClick={() =>
            setRows([...rows, { url: '', user: '', password: '', hasPassword: false, extranonceSubscribe: false }])
          }
          data-testid="pool-add"
        >
          Add pool
        </button>
        <label>
          Add a preset
          <select
            value=""
            onChange={(e) => {
              const p = settings.presets.find((x) => x.id === e.target.value);
              if (p)
                setRows([
                  ...rows,
                  { url: p.url, user: '', password: '', hasPassword: false, extranonceSubscribe: false },
                ]);
            }}
            data-testid="pool-preset"
          >
            <option value="">choose…</option>
            {settings.presets.map((p) => (
              <option key={p.id} value={p.id} title={`${p.note} Worker: ${p.userHint}.`}>
                {`${p.name}, fee ${(p.fee * 100).toFixed(0)} %`}
              </option>
            ))}
          </select>
        </label>
        <SaveButton name="pools" state={save} onClick={store} marker="saved" primary>
          Save pools
        </SaveButton>
      </div>
    </Card>
  );
}

function EarningsCard({ running }: { running: boolean }) {
  const pushed = useEvent('market-update');
  const earn = useCall('mining-earnings', {}, [running, pushed]);
  const [difficulty, setDifficulty] = useState('');
  const [price, setPrice] = useState('');
  const market = useAction();
  const e = earn.data;
  const m = e?.market ?? null;
  const { reload } = earn;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(reload, 10_000);
    return () => clearInterval(t);
  }, [running, reload]);
  // The one market: typed values and the currency go to it, and every page and the ledger use them.
  const override = (args: { btcPrice?: number | null; difficulty?: number | null; currency?: string }) =>
    market.run(() => api.send('market-override', args), reload);
  const saveManual = () => {
    const d = Number(difficulty);
    const p = Number(price);
    if ((difficulty !== '' && !(d >= 1)) || (price !== '' && !(p > 0))) {
      market.setError(new Error('Network difficulty and BTC price must be positive numbers (e.g. 1.2e14 and 90000)'));
      return;
    }
    override({ ...(difficulty !== '' ? { difficulty: d } : {}), ...(price !== '' ? { btcPrice: p } : {}) });
  };
  return (
    <Card title="Expected earnings">
      <p className="muted">
        For a CPU these are tiny: the heat is the point. An estimate from the market figures (mempool.space, refreshed
        every 30 minutes and cached for offline use, or values you type), the same the ledger books and the planner
        plans with.
      </p>
      <ErrorBanner error={market.error ?? earn.error} />
      {e && (
        <Facts
          testId="earnings"
          rows={[
            [
              'Hash rate',
              `${fmtHashRate(e.hashRate)}${e.unpaidReason ? ' (counted as 0: the pool is not paying for this work)' : ''}`,
            ],
            [
              'Network difficulty',
              !m
                ? 'unknown: no market data'
                : m.difficulty.value === null
                  ? `unknown: ${fmtFigureSource(m.difficulty)}`
                  : `${m.difficulty.value.toExponential(3)} (${fmtFigureSource(m.difficulty)})`,
            ],
            [
              'BTC price',
              !m
                ? 'unknown: no market data'
                : m.btcPrice.value === null
                  ? `unknown: ${fmtFigureSource(m.btcPrice)}`
                  : `${fmtMoney(m.btcPrice.value, m.currency)} (${fmtFigureSource(m.btcPrice)})`,
            ],
            [
              'Block reward counted',
              m
                ? `${m.subsidyBtc} BTC subsidy + ${m.feesBtc} BTC mean fees, less a ${fmtNumber(m.poolFee * 100, 2)} % pool fee`
                : 'no market data',
            ],
            [
              'BTC per day (estimate)',
              e.btcPerDay === null ? 'needs the network difficulty' : `${e.btcPerDay.toExponential(3)} BTC`,
            ],
            [
              'Earnings per day (estimate)',
              e.moneyPerDay === null || !m ? 'needs difficulty and price' : fmtMoney(e.moneyPerDay, m.currency),
            ],
            ['CPU power while mining', e.powerW === null ? 'not measured (start mining)' : fmtW(e.powerW)],
            ['Energy per day', e.energyKWhPerDay === null ? '—' : fmtKWh(e.energyKWhPerDay)],
            [
              'Energy cost per day',
              e.energyCostPerDay === null ? '—' : fmtMoney(e.energyCostPerDay, e.tariffCurrency ?? m?.currency ?? ''),
            ],
          ]}
        />
      )}
      <div className="form-row">
        <Select
          label="Currency"
          value={m?.currency ?? 'EUR'}
          options={CURRENCIES.map((c) => [c, c])}
          onChange={(currency) => override({ currency })}
          testId="earn-currency"
        />
        <TextField
          label="Network difficulty"
          value={difficulty}
          onChange={setDifficulty}
          placeholder="e.g. 1.2e14"
          testId="earn-difficulty"
        />
        <TextField label="BTC price" value={price} onChange={setPrice} placeholder="e.g. 90000" testId="earn-price" />
        <button onClick={saveManual} data-testid="earn-save">
          Use these
        </button>
        <button onClick={() => override({ difficulty: null, btcPrice: null })}>Use fetched</button>
      </div>
    </Card>
  );
}

export function MiningPage() {
  const [now] = useState(() => Date.now());
  const settings = useCall('mining-settings-get', {});
  const status = useCall('mining-status', {});
  const shares = useCall('mining-shares', { limit: 20 });
  const rates = useEventSeries('hash-rate', 120);
  const action = useAction();
  const fieldErrors = useFormErrors(action.error);
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
  const hasPool = (settings.data?.pools.length ?? 0) > 0;
  // The estimate follows the miner every 10 s while it runs, not at every hash-rate event.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!st?.running) return;
    const t = setInterval(() => setTick((k) => k + 1), 10_000);
    return () => clearInterval(t);
  }, [st?.running]);
  const marketPushed = useEvent('market-update');
  const earnings = useCall('mining-earnings', {}, [st?.running, tick, marketPushed]);
  const ledger = useMoney(now);
  const setup = useCall('setup-status', {});
  const act = (call: () => Promise<MiningStatus>) => action.run(call, reloadStatus);
  // The threads box is checked against the contract before it is sent, and a refusal shows at it.
  const setPower = (patch: { threads?: number; powerPct?: number }) =>
    act(() => api.send('mining-set-power', fieldErrors.check(miningArgs['mining-set-power'], patch)));
  const toggle = st?.running
    ? ({ method: 'mining-stop', label: 'Stop' } as const)
    : ({ method: 'mining-start', label: 'Start' } as const);

  return (
    <FormErrors value={fieldErrors.value}>
      <div className="mining" data-testid="mining-page">
        <ErrorBanner error={action.error ?? settings.error ?? status.error} />
        {settings.data && !hasPool && (
          <div className="banner warn" role="status" data-testid="mining-no-pool">
            To mine, first add a pool below (its address and your worker name), save, then press Start. Or set one up in
            the <a href="#/setup">first-run setup</a>.
          </div>
        )}
        {st && (
          <Card title="Miner" wide>
            <div className="stats">
              <Stat
                label="Hash rate"
                value={fmtHashRate(st.running ? (last?.hashRate ?? st.hashRate) : 0)}
                note={st.perThread.length > 0 ? st.perThread.map((r) => fmtHashRate(r)).join(' · ') : undefined}
                testId="mining-rate"
              />
              <Stat
                label="Accepted"
                value={String(st.accepted)}
                note={`${st.totals.accepted} in all`}
                testId="mining-accepted"
              />
              <Stat
                label="Rejected"
                value={String(st.rejected)}
                note={`${fmtReasons(st.rejectReasons) || 'none this run'} · ${st.totals.rejected} in all`}
                testId="mining-rejected"
              />
              <Stat label="Stale" value={String(st.stale)} note={`${st.totals.stale} in all`} testId="mining-stale" />
            </div>
            <Facts
              testId="mining-facts"
              rows={[
                [
                  'Pool',
                  <span data-testid="mining-pool-state">{`${STATE_LABEL[st.pool.state]}${st.pool.url ? ` · ${st.pool.index !== null ? `pool ${st.pool.index + 1}: ` : ''}${st.pool.url}` : ''}`}</span>,
                ],
                ['Why this pool', <span data-testid="mining-pool-why">{st.pool.why ?? '—'}</span>],
                [
                  'Pool pays for the work',
                  <span data-testid="mining-health">
                    {st.health.state === 'unhealthy'
                      ? `no: ${st.health.problem ?? ''}`
                      : st.health.rejectRate !== null
                        ? `yes (${(st.health.rejectRate * 100).toFixed(1)} % rejected over 5 min)`
                        : 'no sign otherwise yet (fewer than 3 answers from the pool in 5 min)'}
                  </span>,
                ],
                ['Rejections in all', fmtReasons(st.totals.rejectReasons) || 'none'],
                ['Pool difficulty', st.pool.difficulty === null ? '—' : fmtDifficulty(st.pool.difficulty)],
                ['Job difficulty', st.jobDifficulty === null ? '—' : fmtDifficulty(st.jobDifficulty)],
                ['Kernel', st.kernel ? st.kernel.description : 'starts with the miner'],
                [
                  'Version rolling',
                  st.pool.versionRollingMask === null
                    ? 'not offered by the pool'
                    : `mask ${st.pool.versionRollingMask.toString(16).padStart(8, '0')} (BIP 310)`,
                ],
                ['Last pool error', st.pool.lastError ?? '—'],
              ]}
            />
            <div className="form-row">
              <button
                className="primary"
                disabled={action.busy || !hasPool}
                onClick={() => act(() => api.send(toggle.method, {}))}
                data-testid={toggle.method}
              >
                {toggle.label}
              </button>
              <StartEstimate earnings={earnings.data} tariff={setup.data?.items.find((i) => i.topic === 'tariff')} />
              <TextField
                label="Threads"
                type="number"
                min={1}
                value={threads}
                onChange={setThreads}
                onBlur={() => setPower({ threads: threads.trim() === '' ? Number.NaN : Number(threads) })}
                testId="mining-threads"
                field="threads"
              />
              <Select
                label="Power level"
                value={String(st.powerPct)}
                options={POWER_LEVELS}
                onChange={(p) => setPower({ powerPct: Number(p) })}
                testId="mining-power"
              />
            </div>
            <TimeChart
              testId="mining-hashrate-chart"
              label="Hash rate, last two minutes"
              height={160}
              {...perSecondX(rates.map((r) => r.at))}
              axes={[{ scale: 'hashrate', label: 'H/s', range: [0, null] }]}
              series={[
                {
                  label: 'hash rate (H/s)',
                  values: rates.map((r) => r.hashRate),
                  color: '--chart-hashrate',
                  kind: 'line',
                  scale: 'hashrate',
                  format: (v) => fmtHashRate(v),
                },
              ]}
              empty={
                <p className="muted">
                  No hash rate yet: it is drawn here once a second while mining runs.{' '}
                  {st.running
                    ? 'The first figure comes within a second or two.'
                    : hasPool
                      ? 'Press Start mining above.'
                      : 'Add a pool below, then press Start mining above.'}
                </p>
              }
            />
          </Card>
        )}
        {settings.data && (
          <PoolsCard
            settings={settings.data}
            onSaved={() => {
              reloadStatus();
              settings.reload();
            }}
          />
        )}
        <Card title="Latest shares" wide>
          <SharesTable shares={shares.data ?? []} />
        </Card>
        <Card title="Earned (from the ledger)">
          <MiningLedger rows={ledger.rows} currency={ledger.currency} />
          <p className="muted small">Booked slot by slot while mining ran; days are local days, today included.</p>
        </Card>
        <EarningsCard running={st?.running ?? false} />
      </div>
    </FormErrors>
  );
}

function SharesTable({ shares }: { shares: MiningShare[] }) {
  if (shares.length === 0) return <p className="muted">No shares yet.</p>;
  return (
    <Table
      className="table"
      testId="mining-shares"
      head={['Time', 'Result', 'Job', 'Reached / pool difficulty', 'Reason']}
    >
      {shares.map((s) => (
        <tr key={s.id} className={`share ${s.outcome}`}>
          <td>{fmtTime(s.at)}</td>
          <td>{s.outcome}</td>
          <td>{s.jobId}</td>
          <td>{`${s.hashDifficulty.toPrecision(4)} / ${s.difficulty.toPrecision(4)}`}</td>
          <td>{s.reason ?? ''}</td>
        </tr>
      ))}
    </Table>
  );
}
