import { useEffect, useState } from 'react';

/**
 * A number input that keeps what the person typed: a half-typed "0." or an empty box is not
 * forced back to a number, and `onChange` receives NaN until the text is a number, so the form
 * can name the field instead of saving a zero.
 */
export function NumField({
  label,
  value,
  onChange,
  testId,
  step = 'any',
  unit,
}: {
  label: string;
  value: number;
  onChange: (n: number) => void;
  testId?: string;
  step?: string;
  unit?: string;
}) {
  const [text, setText] = useState(Number.isFinite(value) ? String(value) : '');
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : Number.isFinite(value) ? String(value) : t));
  }, [value]);
  return (
    <label>
      {unit ? `${label} (${unit})` : label}
      <input
        type="number"
        step={step}
        value={text}
        data-testid={testId}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value.trim() === '' ? NaN : Number(e.target.value));
        }}
      />
    </label>
  );
}

export function TextField({
  label,
  value,
  onChange,
  testId,
  type = 'text',
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (s: string) => void;
  testId?: string;
  type?: string;
  placeholder?: string;
}) {
  return (
    <label>
      {label}
      <input
        type={type}
        value={value}
        placeholder={placeholder}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: T;
  options: [T, string][];
  onChange: (v: T) => void;
  testId?: string;
}) {
  return (
    <label>
      {label}
      <select value={value} data-testid={testId} onChange={(e) => onChange(e.target.value as T)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Paths (dotted, like the core's messages) of number fields that are not numbers. */
export function badNumbers(value: unknown, prefix = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [prefix];
  if (Array.isArray(value)) return value.flatMap((v, i) => badNumbers(v, `${prefix}.${i}`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => badNumbers(v, prefix ? `${prefix}.${k}` : k));
  return [];
}

/** "5 min ago", "2.5 h ago": how old a reading or a price list is. */
export function ageOf(at: number, now: number): string {
  const min = Math.max(0, Math.round((now - at) / 60_000));
  if (min < 1) return 'just now';
  if (min < 90) return `${min} min ago`;
  const h = min / 60;
  return h < 48 ? `${h.toFixed(1)} h ago` : `${(h / 24).toFixed(1)} days ago`;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "Tue 14:00" in a time zone. */
export function slotLabel(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${get('hour')}:${get('minute')}`;
}

export { WEEKDAYS };

/**
 * Tries settings without saving them (the core asks the provider or sensor once) and shows what
 * came back: the result, or the reason it failed.
 */
export function TestButton({ run, testId }: { run: () => Promise<{ ok: boolean; message: string }>; testId: string }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        data-testid={testId}
        onClick={() => {
          setBusy(true);
          setResult(null);
          run()
            .then(
              (r) => setResult(r),
              (err: Error) => setResult({ ok: false, message: err.message }),
            )
            .finally(() => setBusy(false));
        }}
      >
        {busy ? 'Testing…' : 'Test'}
      </button>
      {result && (
        <span
          data-testid={`${testId}-result`}
          className={`status ${result.ok ? 'ok' : 'bad'}`}
          role={result.ok ? undefined : 'status'}
        >
          {result.ok ? 'Works: ' : 'Failed: '}
          {result.message}
        </span>
      )}
    </>
  );
}
