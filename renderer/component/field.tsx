import { useEffect, useState, type ReactNode } from 'react';
import { useSave } from '../api/hooks.ts';
import { fromDisplayTemp, tempUnit, toDisplayTemp } from './format.ts';

/** What every field takes: the words on its label, its value, where an edit goes, its test id. */
type FieldProps<T> = { label: string; value: T; onChange: (value: T) => void; testId?: string };

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
}: FieldProps<number> & { step?: string; unit?: string }) {
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

/** A text box; `type` number, date or time keeps the typed text, for forms that check it on sending. */
export function TextField({
  label,
  value,
  onChange,
  testId,
  type = 'text',
  placeholder,
  min,
  step,
}: FieldProps<string> & { type?: string; placeholder?: string; min?: number; step?: string }) {
  return (
    <label>
      {label}
      <input
        type={type}
        value={value}
        placeholder={placeholder}
        min={min}
        step={step}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

/** A temperature in the unit the person chose; `value` and `onChange` speak °C, as the core does. */
export function TempField({ value, onChange, ...rest }: FieldProps<number> & { step?: string }) {
  return (
    <NumField {...rest} unit={tempUnit()} value={toDisplayTemp(value)} onChange={(t) => onChange(fromDisplayTemp(t))} />
  );
}

/** A currency code, upper-cased as typed: the core takes ISO codes such as EUR. */
export function CurrencyField({ value, onChange }: { value: string; onChange: (code: string) => void }) {
  return <TextField label="Currency" value={value} onChange={(code) => onChange(code.toUpperCase())} />;
}

/** A checkbox before its words. */
export function Check({
  checked,
  onChange,
  testId,
  className,
  disabled,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
  className?: string;
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <label className={className}>
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
        data-testid={testId}
      />{' '}
      {children}
    </label>
  );
}

/** The keys of T that hold text, required or optional: what a list of text fields can edit. */
type TextKey<T> = { [K in keyof T]-?: NonNullable<T[K]> extends string ? K : never }[keyof T] & string;

/** One text field of a list: the key of the object it edits and how it is labelled. */
export type TextSpec<T> = { key: TextKey<T>; label: string; type?: string; placeholder?: string; testId?: string };

/** Fields that each edit one key of `value`, in the order of `fields`. */
type FieldList<T, Spec> = { fields: Spec[]; value: T; onChange: (value: T) => void };

/** Text fields that each edit one key of `value`; an absent optional key shows empty. */
export function TextFields<T extends object>({ fields, value, onChange }: FieldList<T, TextSpec<T>>) {
  return fields.map(({ key, ...spec }) => (
    <TextField
      key={key}
      {...spec}
      value={(value[key] as string | undefined) ?? ''}
      onChange={(text) => onChange({ ...value, [key]: text })}
    />
  ));
}

/** The keys of T that hold numbers: what a list of number fields can edit. */
type NumberKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T] & string;

/** One number field of a list: the key of the object it edits and how it is labelled. */
export type NumSpec<T> = { key: NumberKey<T>; label: string; unit?: string; step?: string; testId?: string };

/** Number fields that each edit one key of `value`. */
export function NumFields<T extends object>({ fields, value, onChange }: FieldList<T, NumSpec<T>>) {
  return fields.map(({ key, ...spec }) => (
    <NumField key={key} {...spec} value={value[key] as number} onChange={(n) => onChange({ ...value, [key]: n })} />
  ));
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
}: FieldProps<T> & { options: [T, string][] }) {
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

/**
 * A settings card's form over what the core stored: the draft starts as, and is replaced by, each
 * copy that arrives; an edit changes it and clears the "saved" marker; `store` refuses a number
 * field that is not a number, naming it, before `send` stores the draft, and hands what came back
 * to `then`.
 */
export function useSettingsForm<T extends object, R>(
  stored: T | undefined,
  send: (draft: T) => Promise<R>,
  then: (result: R) => void,
) {
  const [draft, setDraft] = useState<T | null>(null);
  useEffect(() => {
    if (stored) setDraft(stored);
  }, [stored]);
  const save = useSave();
  const edit = (next: T) => {
    save.edited();
    setDraft(next);
  };
  const store = () => {
    if (!draft) return;
    save.run(() => {
      const bad = badNumbers(draft);
      if (bad.length > 0) throw new Error(`Enter a number for ${bad.join(', ')}`);
      return send(draft);
    }, then);
  };
  return { draft, setDraft, edit, save, store };
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
