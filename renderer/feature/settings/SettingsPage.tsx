import { useState } from 'react';
import type { LedgerRestoreResult, Preferences } from '#contract/index';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent } from '../../api/hooks.ts';
import { fmtNumber } from '../../component/format.ts';
import { Card, ErrorBanner, Facts, Table } from '../../component/ui.tsx';
import { ChargesCard } from '../history/SettingsCards.tsx';
import { AllowedProgramsCard } from './AllowedPrograms.tsx';
import { FleetCard } from './FleetCard.tsx';
import { HomeCard } from './HomeCard.tsx';
import { JobLogCard } from './JobLogCard.tsx';
import { ledgerArgs } from '#contract/ledger';
import { Check, FormErrors, Select, TextField, useFormErrors } from '../../component/field.tsx';

const fmtBytes = (b: number) =>
  b < 1024 * 1024 ? `${fmtNumber(b / 1024, 1)} KiB` : `${fmtNumber(b / 1024 / 1024, 1)} MiB`;

/** The units the pages show: a choice per preference. */
const UNIT_CHOICES: {
  key: 'temperatureUnit' | 'energyUnit';
  label: string;
  options: [string, string][];
  testId: string;
}[] = [
  {
    key: 'temperatureUnit',
    label: 'Temperatures in',
    options: [
      ['C', '°C (Celsius)'],
      ['F', '°F (Fahrenheit)'],
    ],
    testId: 'unit-temperature',
  },
  {
    key: 'energyUnit',
    label: 'Energy in',
    options: [
      ['auto', 'Wh below 1 kWh, kWh above'],
      ['kWh', 'always kWh'],
    ],
    testId: 'unit-energy',
  },
];

/** How the desktop app starts: a checkbox per preference. */
const START_OPTIONS: { key: 'autostart' | 'startMinimized'; label: string; testId: string }[] = [
  { key: 'autostart', label: 'Start Hearth when I log in', testId: 'pref-autostart' },
  { key: 'startMinimized', label: 'Start minimised to the tray', testId: 'pref-minimized' },
];

function UnitsAndStartCard() {
  const pushed = useEvent('preferences-updated');
  const { data, error } = useCall('preferences-get', {});
  const prefs = pushed ?? data;
  const change = useAction();
  // The core pushes preferences-updated with what it stored: the form shows that, not what was sent.
  const set = (patch: Partial<Preferences>) => change.run(() => api.send('preferences-set', patch));
  const desktop = api.kind === 'ipc';
  return (
    <Card title="Units and start">
      <ErrorBanner error={error ?? change.error} />
      {prefs && (
        <div className="settings-form">
          {UNIT_CHOICES.map((u) => (
            <Select
              key={u.key}
              label={u.label}
              value={prefs[u.key]}
              options={u.options}
              onChange={(unit) => set({ [u.key]: unit })}
              testId={u.testId}
            />
          ))}
          {START_OPTIONS.map((o) => (
            <Check
              key={o.key}
              className="check"
              disabled={!desktop}
              checked={prefs[o.key]}
              onChange={(on) => set({ [o.key]: on })}
              testId={o.testId}
            >
              {o.label}
            </Check>
          ))}
          {!desktop && (
            <p className="muted" data-testid="desktop-only">
              Desktop app only: these two apply when Hearth runs as the desktop app. Under <code>hearth serve</code>{' '}
              start it with your system&apos;s service manager instead.
            </p>
          )}
        </div>
      )}
    </Card>
  );
}

function DataFolderCard() {
  const { data, error } = useCall('data-folder', {});
  return (
    <Card title="Data folder">
      <ErrorBanner error={error} />
      {data && (
        <>
          <Facts
            testId="data-folder"
            rows={[
              ['Folder', <code key="d">{data.dataDir}</code>],
              ['Ledger', <span key="l">{`${data.ledgerFile} (${fmtBytes(data.ledgerBytes)})`}</span>],
              ['Backups', <code key="b">{data.backupsDir}</code>],
            ]}
          />
          <p className="muted">{data.howToChange}</p>
        </>
      )}
    </Card>
  );
}

function BackupCard({ onRestored }: { onRestored: () => void }) {
  const [tick, setTick] = useState(0);
  const backups = useCall('ledger-backups', {}, [tick]);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<Error | undefined>();
  const [made, setMade] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const [confirm, setConfirm] = useState<string | null>(null);
  const [restored, setRestored] = useState<LedgerRestoreResult | null>(null);
  const errors = useFormErrors(err);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setErr(undefined);
    try {
      await fn();
    } catch (e) {
      setErr(e as Error);
    } finally {
      setBusy(false);
      setTick((t) => t + 1);
    }
  };
  const backup = () =>
    run(async () => {
      setRestored(null);
      const r = await api.send('ledger-backup', {});
      setMade(`Backup written: ${r.file} (${fmtBytes(r.bytes)}, integrity check: ${r.integrity})`);
    });
  const restore = (file: string) =>
    run(async () => {
      setConfirm(null);
      setMade(null);
      setRestored(null);
      setRestored(await api.send('ledger-restore', errors.check(ledgerArgs['ledger-restore'], { file })));
      onRestored();
    });

  return (
    <FormErrors value={errors.value}>
      <Card title="Backup and restore of the ledger" wide>
        <p className="muted">
          A backup is a consistent copy of the whole ledger taken while Hearth keeps running. Restoring checks that the
          file is a Hearth ledger first; the ledger it replaces is kept in the backups folder.
        </p>
        <ErrorBanner error={err ?? backups.error} />
        <div className="form-row">
          <button type="button" data-testid="backup-now" disabled={busy} onClick={() => void backup()}>
            Back up now
          </button>
        </div>
        {made && (
          <p className="status ok" data-testid="backup-result">
            {made}
          </p>
        )}
        {restored && (
          <p className="status ok" data-testid="restore-result">
            Restored from {restored.restoredFrom} ({restored.slots} slot rows). The ledger it replaced is kept as{' '}
            {restored.keptAs}.
            {restored.restarted
              ? ' Hearth is running on the restored ledger.'
              : ' It takes effect when Hearth starts next.'}
          </p>
        )}
        <Table className="table" testId="backup-list" head={['Backup', 'Size', 'Written', '']}>
          {(backups.data ?? []).map((b) => (
            <tr key={b.file}>
              <td>
                <code>{b.file}</code>
              </td>
              <td>{fmtBytes(b.bytes)}</td>
              <td>{new Date(b.modifiedAt).toLocaleString()}</td>
              <td>
                <button type="button" disabled={busy} onClick={() => setConfirm(b.name)}>
                  Restore…
                </button>
              </td>
            </tr>
          ))}
          {backups.data?.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No backups in the data folder yet.
              </td>
            </tr>
          )}
        </Table>
        <div className="form-row">
          <TextField
            label="Another file in the backups folder (its name; copy it there first, or run hearth history --restore PATH)"
            testId="restore-path"
            field="file"
            value={path}
            placeholder="hearth-backup.db"
            onChange={setPath}
          />
          <button
            type="button"
            data-testid="restore-path-go"
            disabled={busy || path.trim() === ''}
            onClick={() => setConfirm(path.trim())}
          >
            Restore…
          </button>
        </div>
        {confirm && (
          <div className="banner warn" role="alertdialog" data-testid="restore-confirm">
            Replace the ledger with <code>{confirm}</code>? The current ledger is kept in the backups folder.{' '}
            <button type="button" data-testid="restore-yes" onClick={() => void restore(confirm)}>
              Yes, restore
            </button>{' '}
            <button type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        )}
      </Card>
    </FormErrors>
  );
}

/** Bill settings (shared with History), units, how the desktop app starts, the data folder, backup and restore. */
export function SettingsPage() {
  // A restore replaces every setting: the cards above it load again from the restored ledger.
  const [generation, setGeneration] = useState(0);
  return (
    <div className="grid settings">
      <Card title="First-run setup">
        <p>The price, the heating, the devices and what to run, one step at a time.</p>
        <a className="button-link" href="#/setup" data-testid="setup-reopen">
          Open the setup again
        </a>
      </Card>
      <ChargesCard key={`charges-${generation}`} onSaved={() => {}} />
      <UnitsAndStartCard key={`units-${generation}`} />
      <DataFolderCard key={`folder-${generation}`} />
      <BackupCard onRestored={() => setGeneration((g) => g + 1)} />
      <AllowedProgramsCard />
      <JobLogCard key={`job-log-${generation}`} />
      <HomeCard key={`home-${generation}`} />
      <FleetCard key={`fleet-${generation}`} />
    </div>
  );
}
