import { useEffect, useState } from 'react';
import type { DeviceId, Job, JobCreate, JobDetail, JobState, TrainSpecInput } from '#contract/index';
import { jobArgs } from '#contract/job';
import { api } from '../../api/client.ts';
import { FieldsError, useAction, useCall } from '../../api/hooks.ts';
import { TimeChart } from '../../component/chart.tsx';
import { fmtDuration, fmtNumber, fmtTemp, fmtUnit } from '../../component/format.ts';
import { Card, ErrorBanner, Facts, Table } from '../../component/ui.tsx';
import { Check, FormErrors, Select, TextField, useFormErrors } from '../../component/field.tsx';

const STATE_LABEL: Record<JobState, string> = {
  queued: 'queued',
  running: 'running',
  pausing: 'pausing…',
  paused: 'paused',
  finished: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
};

const WORKLOADS: ['train' | 'command' | 'mining', string][] = [
  ['train', 'Built-in: character language model'],
  ['command', 'External training command'],
  ['mining', "Bitcoin mining (the Mining page's pools)"],
];
const PAUSE_MODES: [string, string][] = [
  ['signal', 'SIGSTOP / SIGCONT (stays in memory)'],
  ['restart', 'stopping it, restart with resume arguments'],
];
const RUN_MODES: [string, string][] = [
  ['cheapest', 'the cheapest slots (may start and stop)'],
  ['continuous', 'one continuous block (never paused, same threads, until done)'],
];

/** The built-in trainer's number settings, in the form's order: spec key, label, test id. */
const TRAIN_NUMBERS = [
  ['steps', 'Steps', 'job-steps'],
  ['threads', 'Threads', 'job-threads'],
  ['batchSize', 'Batch (sequences)', 'job-batch'],
  ['hidden', 'Hidden units', 'job-hidden'],
  ['checkpointEvery', 'Checkpoint every (steps)', 'job-checkpoint-every'],
  ['keepCheckpoints', 'Checkpoints kept', 'job-keep'],
] as const;

const fmtEta = (sec: number | null) => (sec === null ? '—' : fmtDuration(sec * 1000));
const fmtRate = (r: number | null) => (r === null ? '—' : `${fmtNumber(r, 0)} samples/s`);
const fmtLoss = (l: number | null) => (l === null ? '—' : l.toFixed(4));

/** Splits a command line the way a shell would for plain words and "quoted strings" (no expansion). */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/**
 * Re-fetches when job events arrive (progress, state, log lines), coalesced to one refresh per
 * 300 ms so a chatty command's log does not flood the core with calls.
 */
function useJobEvents(onEvent: () => void) {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const bump = () => {
      timer ??= setTimeout(() => {
        timer = null;
        onEvent();
      }, 300);
    };
    const offs = [api.on('job-progress', bump), api.on('job-state', bump), api.on('job-log', bump)];
    return () => {
      offs.forEach((off) => off());
      if (timer) clearTimeout(timer);
    };
  }, [onEvent]);
}

function num(s: string): number | undefined {
  return s.trim() === '' ? undefined : Number(s);
}

/**
 * The fields of the job the form sends, by form key: where the contract's schema and the core name
 * a refusal. The trainer's numbers are in its spec.
 */
const FIELD_OF: Partial<Record<string, string>> = {
  name: 'name',
  dataFile: 'spec.dataFile',
  command: 'spec.command',
  cwd: 'spec.cwd',
  progressFile: 'spec.progressFile',
  resumeArgs: 'spec.resumeArgs',
  devices: 'devices',
  deadline: 'deadline',
  valuePerHour: 'valuePerHour',
  ...Object.fromEntries(TRAIN_NUMBERS.map(([k]) => [k, `spec.${k}`])),
};

function CreateJob({ onCreated }: { onCreated: (job: Job) => void }) {
  const [kind, setKind] = useState<'train' | 'command' | 'mining'>('train');
  const [f, setF] = useState({
    dataFile: '',
    steps: '2000',
    threads: '1',
    batchSize: '128',
    hidden: '256',
    checkpointEvery: '100',
    keepCheckpoints: '3',
    deadline: '',
    valuePerHour: '',
    command: '',
    cwd: '',
    progressFile: '',
    pauseMode: 'signal',
    resumeArgs: '',
    name: '',
    devices: '',
    mode: 'cheapest',
  });
  const [runPastDeadline, setRunPastDeadline] = useState(false);
  const create = useAction();
  const errors = useFormErrors(create.error);
  const hardware = useCall('hardware-info', {});
  const known = hardware.data ? ['cpu', ...hardware.data.gpus.map((g) => `gpu:${g.index}`)] : null;
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  // Each text box edits one string of the form; only its label, test id and extras differ.
  const text = (
    k: keyof typeof f,
    label: string,
    testId: string,
    extra: { type?: string; placeholder?: string } = {},
  ) => {
    const field = FIELD_OF[k];
    return (
      <TextField
        key={k}
        label={label}
        value={f[k]}
        onChange={set(k)}
        testId={testId}
        {...(field ? { field } : {})}
        {...extra}
      />
    );
  };

  const submit = (start: boolean) => {
    // The trainer's numbers come filled in: an emptied box is a question left open, not "the
    // default" (an empty Steps used to train 2,000 steps unasked). Sent as null, the schema names it.
    const numbers: Omit<TrainSpecInput, 'kind' | 'dataFile'> = {};
    for (const [k] of TRAIN_NUMBERS) numbers[k] = num(f[k]) ?? (null as unknown as number);
    const deadline = f.deadline ? new Date(f.deadline).getTime() : null;
    // Typed text: the core's schema checks what arrives, so the renderer only names the ids.
    const devices = f.devices.split(/[,\s]+/).filter(Boolean) as DeviceId[];
    const common = {
      ...(f.name.trim() ? { name: f.name.trim() } : {}),
      ...(devices.length > 0 ? { devices } : {}),
      deadline,
      valuePerHour: num(f.valuePerHour) ?? null,
      mode: f.mode === 'continuous' ? ('continuous' as const) : ('cheapest' as const),
      runPastDeadline,
      start,
    };
    const input: JobCreate =
      kind === 'mining'
        ? { ...common, spec: { kind: 'mining' } }
        : kind === 'train'
          ? {
              ...common,
              spec: {
                kind: 'train',
                dataFile: f.dataFile.trim() === '' ? null : f.dataFile.trim(),
                ...numbers,
              },
            }
          : {
              ...common,
              spec: {
                kind: 'command',
                command: splitCommand(f.command),
                cwd: f.cwd.trim(),
                pauseMode: f.pauseMode === 'restart' ? 'restart' : 'signal',
                resumeArgs: splitCommand(f.resumeArgs),
                progressFile: f.progressFile.trim() === '' ? null : f.progressFile.trim(),
              },
            };
    create.run(() => {
      const checked = errors.check(jobArgs['job-create'], input) as JobCreate;
      // A deadline already past can never be met: the job would wait, or run late, unasked.
      if (deadline !== null && deadline <= Date.now())
        throw new FieldsError([
          { field: 'deadline', message: 'The deadline has passed: choose a time still ahead, or leave it empty' },
        ]);
      return api.send('job-create', checked);
    }, onCreated);
  };

  return (
    <FormErrors value={errors.value}>
      <Card title="New job" wide>
        <ErrorBanner error={create.error} />
        <div className="form-row">
          <Select label="Workload" value={kind} options={WORKLOADS} onChange={setKind} testId="job-kind" />
          {text('name', 'Name', 'job-name', { placeholder: 'optional' })}
        </div>
        {kind === 'mining' && (
          <p data-testid="job-mining-note">
            Mines on the pools saved on the Mining page; the scheduler sets its threads and power level per slot. While
            a pool is set up the scheduler keeps one mining job in the queue by itself: pause it to keep mining out of
            the plan.
          </p>
        )}
        {kind === 'mining' ? null : kind === 'train' ? (
          <div className="form-row">
            {text('dataFile', 'Data file (text)', 'job-data', { placeholder: 'empty: the built-in corpus' })}
            {TRAIN_NUMBERS.map(([k, label, testId]) => text(k, label, testId, { type: 'number' }))}
          </div>
        ) : (
          <div className="form-row">
            {text('command', 'Command', 'job-command', { placeholder: 'python train.py --epochs 10' })}
            {text('cwd', 'Working directory', 'job-cwd')}
            {text('progressFile', 'Progress file', 'job-progress-file', { placeholder: 'empty: read its output' })}
            <Select
              label="Pause by"
              value={f.pauseMode}
              options={PAUSE_MODES}
              onChange={set('pauseMode')}
              testId="job-pause-mode"
            />
            {text('resumeArgs', 'Resume arguments', 'job-resume-args', { placeholder: '--resume' })}
          </div>
        )}
        <div className="form-row">
          {text('devices', known ? `Devices (this computer: ${known.join(', ')})` : 'Devices', 'job-devices', {
            placeholder: kind === 'train' ? 'cpu' : 'cpu, gpu:0',
          })}
          {text('deadline', 'Deadline', 'job-deadline', { type: 'datetime-local' })}
          {text('valuePerHour', 'Value per hour', 'job-value', { type: 'number', placeholder: 'optional' })}
          <Select label="Run in" value={f.mode} options={RUN_MODES} onChange={set('mode')} testId="job-mode" />
          <Check checked={runPastDeadline} onChange={setRunPastDeadline} testId="job-run-past-deadline">
            keep running past a missed deadline
          </Check>
          <button type="button" disabled={create.busy} onClick={() => submit(false)} data-testid="job-queue">
            Add to queue
          </button>
          <button
            type="button"
            className="primary"
            disabled={create.busy}
            onClick={() => submit(true)}
            data-testid="job-create-start"
          >
            Create and start
          </button>
        </div>
      </Card>
    </FormErrors>
  );
}

function ProgressBar({ job }: { job: Job }) {
  const p = job.progress;
  const frac = p.total ? Math.min(1, p.done / p.total) : null;
  return (
    <div className="job-progress" data-testid={`job-${job.id}-progress`} data-done={p.done}>
      {frac !== null && (
        <div className="job-bar">
          <div className="job-bar-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
        </div>
      )}
      <span>
        {p.done}
        {p.total ? ` / ${p.total}` : ''} steps
      </span>
    </div>
  );
}

function Actions({ job, run }: { job: Job; run: (call: () => Promise<unknown>) => void }) {
  const call = (m: 'job-start' | 'job-pause' | 'job-cancel' | 'job-delete') => () =>
    run(() => api.send(m, { id: job.id }));
  const s = job.state;
  return (
    <span className="job-actions">
      {(s === 'queued' || s === 'paused' || s === 'failed') && (
        <button type="button" onClick={call('job-start')} data-testid={`job-${job.id}-start`}>
          {s === 'paused' ? 'Resume' : s === 'failed' ? 'Start again' : 'Start'}
        </button>
      )}
      {s === 'running' && (
        <button type="button" onClick={call('job-pause')} data-testid={`job-${job.id}-pause`}>
          Pause
        </button>
      )}
      {(s === 'queued' || s === 'running' || s === 'paused') && (
        <button type="button" onClick={call('job-cancel')} data-testid={`job-${job.id}-cancel`}>
          Cancel
        </button>
      )}
      {s !== 'running' && s !== 'pausing' && (
        <button type="button" onClick={call('job-delete')} data-testid={`job-${job.id}-delete`}>
          Delete
        </button>
      )}
    </span>
  );
}

/** Asks the built-in model for text from its newest checkpoint. */
function SampleText({ id }: { id: number }) {
  const [sample, setSample] = useState<{ step: number; text: string } | null>(null);
  const write = useAction();
  useEffect(() => setSample(null), [id]);
  return (
    <>
      <h3>What the model writes</h3>
      <ErrorBanner error={write.error} />
      <button
        type="button"
        data-testid="job-sample-button"
        onClick={() => write.run(() => api.send('job-sample', { id, length: 300 }), setSample)}
      >
        Write a sample from the newest checkpoint
      </button>
      {sample && (
        <pre className="job-log" data-testid="job-sample" data-step={sample.step}>
          {sample.text}
        </pre>
      )}
    </>
  );
}

function JobDetailCard({ id, tick }: { id: number; tick: number }) {
  const { data, error } = useCall('job-get', { id }, [id, tick]);
  if (!data) return <Card title={`Job ${id}`}>{error ? <ErrorBanner error={error} /> : 'Loading…'}</Card>;
  const d: JobDetail = data;
  return (
    <Card title={`Job ${d.id}: ${d.name}`} wide>
      <Facts
        testId="job-facts"
        rows={[
          ['State', STATE_LABEL[d.state]],
          ['Devices', d.devices.join(', ') || 'none'],
          ['Progress', `${d.progress.done}${d.progress.total ? ` / ${d.progress.total}` : ''} steps`],
          ['Loss', fmtLoss(d.progress.loss)],
          ['Throughput', fmtRate(d.progress.samplesPerSec)],
          ['ETA', fmtEta(d.progress.etaSec)],
          ['Deadline', d.deadline ? new Date(d.deadline).toLocaleString() : 'none'],
          ['Value per hour', d.valuePerHour === null ? 'not set' : fmtNumber(d.valuePerHour, 2)],
          [
            'Runs in',
            `${d.mode === 'continuous' ? 'one continuous block' : 'the cheapest slots'}${d.deadline ? (d.runPastDeadline ? ', past a missed deadline until done' : ', stops at the deadline') : ''}`,
          ],
          ...(d.gpu
            ? ([
                [
                  'GPU',
                  `${d.gpu.powerW === null ? 'power not reported' : `${fmtNumber(d.gpu.powerW, 0)} W`}, ${d.gpu.utilizationPct ?? '—'} % busy, ${fmtTemp(d.gpu.temperatureC)}`,
                ],
              ] as [string, string][])
            : []),
        ]}
      />
      {d.error && (
        <div className="banner error" role="alert" data-testid="job-error">
          <pre>{d.error}</pre>
        </div>
      )}
      <h3>Loss</h3>
      <TimeChart
        testId="job-loss-chart"
        label="Training loss by step"
        height={180}
        // One point is not a curve: the empty state until the second report.
        x={d.losses.length > 1 ? d.losses.map((l) => l.step) : []}
        end={(d.losses.at(-1)?.step ?? 0) + 1}
        xAxis={{ numeric: true, label: 'step' }}
        xFormat={(step) => `step ${fmtNumber(step, 0)}`}
        axes={[{ scale: 'nats', label: 'nats' }]}
        series={[
          {
            label: 'loss (nats)',
            values: d.losses.map((l) => l.loss),
            color: '--chart-loss',
            kind: 'line',
            scale: 'nats',
            format: (v) => fmtUnit(v, 'nats', 4),
          },
        ]}
        empty={
          <p className="muted">
            No loss curve yet: it is drawn once the job has reported its loss twice.{' '}
            {d.state === 'queued' || d.state === 'paused'
              ? 'Start the job (or wait for its planned slot) and it appears as the steps run.'
              : 'It appears as the steps run.'}
          </p>
        }
      />
      {d.checkpoints.length > 0 && (
        <>
          <h3>Checkpoints</h3>
          <table data-testid="job-checkpoints">
            <tbody>
              {d.checkpoints.map((c) => (
                <tr key={c.file}>
                  <td>step {c.step}</td>
                  <td>{fmtNumber(c.bytes / 1024, 0)} KiB</td>
                  <td>{new Date(c.at).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {d.kind === 'train' && d.checkpoints.length > 0 && <SampleText id={d.id} />}
      <h3>Log</h3>
      <pre className="job-log" data-testid="job-log">
        {d.log.slice(-40).join('\n') || 'nothing logged yet'}
      </pre>
    </Card>
  );
}

/** Create training jobs, watch the queue, pause, resume and cancel them, and follow the loss. */
export function JobsPage() {
  const [tick, setTick] = useState(0);
  const { data: jobs, error } = useCall('job-list', {}, [tick]);
  const [selected, setSelected] = useState<number | null>(null);
  const action = useAction();
  const [onEvent] = useState(() => () => setTick((t) => t + 1));
  useJobEvents(onEvent);
  const shown = selected !== null && jobs?.some((j) => j.id === selected) ? selected : (jobs?.[0]?.id ?? null);
  return (
    <div className="grid">
      <CreateJob
        onCreated={(job) => {
          setSelected(job.id);
          setTick((t) => t + 1);
        }}
      />
      <Card title="Jobs" wide>
        <ErrorBanner error={error ?? action.error} />
        {jobs && jobs.length === 0 && <p className="muted">No jobs yet: create one above.</p>}
        {jobs && jobs.length > 0 && (
          <Table testId="job-table" head={['Job', 'State', 'Progress', 'Loss', 'Throughput', 'ETA', '']}>
            {jobs.map((j) => (
              <tr
                key={j.id}
                data-testid={`job-${j.id}`}
                className={j.id === shown ? 'selected' : undefined}
                onClick={() => setSelected(j.id)}
              >
                <td>
                  {j.id}. {j.name} <span className="muted">({j.kind})</span>
                </td>
                <td data-testid={`job-${j.id}-state`}>{STATE_LABEL[j.state]}</td>
                <td>
                  <ProgressBar job={j} />
                </td>
                <td>{fmtLoss(j.progress.loss)}</td>
                <td>{fmtRate(j.progress.samplesPerSec)}</td>
                <td>{fmtEta(j.progress.etaSec)}</td>
                <td>
                  <Actions job={j} run={(call) => action.run(call, onEvent)} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      {shown !== null && <JobDetailCard id={shown} tick={tick} />}
    </div>
  );
}
