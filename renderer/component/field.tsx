import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { z } from 'zod';
import type { HeatSource } from '#contract/index';
import { checkPlain, labelOf } from '#contract/plain';
import { FieldsError, issuesOf, useSave, type FieldIssue } from '../api/hooks.ts';
import { fmtSlot, fromDisplayTemp, tempUnit, toDisplayTemp, toDisplayTempText } from './format.ts';

/**
 * What every field takes: the words on its label, its value, where an edit goes, its test id, and
 * `field`: its path in the arguments the form sends ("tariff.zones.0.price"), under which a refusal,
 * the form's own or the core's, finds it.
 */
type FieldProps<T> = { label: string; value: T; onChange: (value: T) => void; testId?: string; field?: string };

/** A form's refused fields, and where its inputs register so the first bad one can take the focus. */
type FormErrorsValue = { issues: FieldIssue[]; register: (field: string, el: HTMLElement | null) => void };

const FormErrorsContext = createContext<FormErrorsValue | null>(null);

/** The issue for the input at `field`: its own, or one about a part of it ("days.2" for the days box). */
function issueAt(issues: FieldIssue[], field: string): FieldIssue | undefined {
  return issues.find((i) => i.field === field || i.field.startsWith(`${field}.`));
}

/** Numbers in a path are list positions: a label is found by the names around them. */
const pathOf = (field: string) => field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/**
 * A form's field errors, kept with the form: `error` is its last refusal (its own or the core's),
 * whose issues each field shows at its input; when a new one arrives the first bad input in the
 * page's order takes the focus. `check` runs the contract's schema over what the form is about to
 * send (and catches number boxes that hold what is not a number, which the browser reports as
 * empty), throwing a FieldsError with every refused field.
 */
export function useFormErrors(error: Error | undefined) {
  const inputs = useRef(new Map<string, HTMLElement>());
  const issues = useMemo(() => issuesOf(error), [error]);
  useEffect(() => {
    const bad = issues
      .map((i) => [...inputs.current].find(([field]) => issueAt([i], field))?.[1])
      .filter((el): el is HTMLElement => el !== undefined && el.isConnected);
    bad.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    bad[0]?.focus();
  }, [issues]);
  const register = useCallback((field: string, el: HTMLElement | null) => {
    if (el) inputs.current.set(field, el);
    else inputs.current.delete(field);
  }, []);
  const value = useMemo(() => ({ issues, register }), [issues, register]);
  const check = useCallback(<T,>(schema: z.ZodType<T>, draft: unknown): T => {
    const typed: FieldIssue[] = [];
    for (const [field, el] of inputs.current)
      if (el instanceof HTMLInputElement && el.validity.badInput) {
        const { name } = labelOf(pathOf(field));
        typed.push({ field, message: `${name.charAt(0).toUpperCase()}${name.slice(1)} must be a number` });
      }
    const r = checkPlain(schema, draft);
    const found = [...typed, ...(r.ok ? [] : r.issues.filter((i) => !typed.some((t) => issueAt([i], t.field))))];
    if (found.length > 0) throw new FieldsError(found);
    return (r as { value: T }).value;
  }, []);
  return { value, check };
}

/** Gives the fields inside the errors of a form made with `useFormErrors` (its `value`). */
export function FormErrors({ value, children }: { value: FormErrorsValue; children: ReactNode }) {
  return <FormErrorsContext.Provider value={value}>{children}</FormErrorsContext.Provider>;
}

/**
 * What an input at `field` needs to show its refusal: the message's id for `aria-describedby`, the
 * props that mark the input (`aria-invalid`, its registration for the focus) and the message itself,
 * placed after the input.
 */
export function useFieldError(field: string | undefined) {
  const ctx = useContext(FormErrorsContext);
  const id = useId();
  const issue = field && ctx ? issueAt(ctx.issues, field) : undefined;
  const register = ctx?.register;
  const ref = useCallback(
    (el: HTMLElement | null) => {
      if (field && register) register(field, el);
    },
    [field, register],
  );
  const props = {
    ref,
    ...(issue ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {}),
  };
  const message = issue ? (
    <span id={`${id}-error`} className="field-error" data-testid={field ? `error-${field}` : undefined}>
      {/* The core and the schemas speak °C; a page showing °F gives the range its boxes take. */}
      {toDisplayTempText(issue.message)}
    </span>
  ) : null;
  return { props, message, invalid: issue !== undefined };
}

/**
 * The text of a number box and its input handler: the box keeps what the person typed (a
 * half-typed "0." or an empty box is not forced back to a number) while `onChange` receives the
 * number, NaN until the text is one; a new `value` from outside replaces the text unless the text
 * already reads as that number.
 */
export function useNumberText(value: number, onChange: (n: number) => void): [string, (raw: string) => void] {
  const [text, setText] = useState(Number.isFinite(value) ? String(value) : '');
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : Number.isFinite(value) ? String(value) : t));
  }, [value]);
  const onInput = (raw: string) => {
    setText(raw);
    onChange(raw.trim() === '' ? NaN : Number(raw));
  };
  return [text, onInput];
}

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
  field,
  step = 'any',
  unit,
}: FieldProps<number> & { step?: string; unit?: string }) {
  const [text, onInput] = useNumberText(value, onChange);
  const error = useFieldError(field);
  return (
    <label className={error.invalid ? 'invalid' : undefined}>
      {unit ? `${label} (${unit})` : label}
      <input
        type="number"
        step={step}
        value={text}
        data-testid={testId}
        {...error.props}
        onChange={(e) => onInput(e.target.value)}
      />
      {error.message}
    </label>
  );
}

/** A text box; `type` number, date or time keeps the typed text, for forms that check it on sending. */
export function TextField({
  label,
  value,
  onChange,
  testId,
  field,
  type = 'text',
  placeholder,
  min,
  step,
  list,
  onBlur,
  inputMode,
}: FieldProps<string> & {
  type?: string;
  inputMode?: 'decimal' | 'numeric';
  placeholder?: string;
  min?: number;
  step?: string;
  list?: string;
  /** For a field that acts when left (the Mining page's threads), not on Save. */
  onBlur?: () => void;
}) {
  const error = useFieldError(field);
  return (
    <label className={error.invalid ? 'invalid' : undefined}>
      {label}
      <input
        type={type}
        value={value}
        placeholder={placeholder}
        min={min}
        step={step}
        list={list}
        onBlur={onBlur}
        inputMode={inputMode}
        data-testid={testId}
        {...error.props}
        onChange={(e) => onChange(e.target.value)}
      />
      {error.message}
    </label>
  );
}

/** A temperature in the unit the person chose; `value` and `onChange` speak °C, as the core does. */
export function TempField({ value, onChange, ...rest }: FieldProps<number> & { step?: string }) {
  return (
    <NumField {...rest} unit={tempUnit()} value={toDisplayTemp(value)} onChange={(t) => onChange(fromDisplayTemp(t))} />
  );
}

/** The heat sources as the Schedules page's select names them; a backtest's select uses the same words. */
export const HEAT_SOURCE_NAMES: Record<HeatSource['kind'], string> = {
  gas: 'Gas boiler',
  oil: 'Oil boiler',
  'heat-pump': 'Heat pump',
  resistive: 'Electric (resistive)',
  district: 'District heating',
  none: 'Nothing (heat has no value)',
};
export const HEAT_SOURCE_OPTIONS = Object.entries(HEAT_SOURCE_NAMES) as [HeatSource['kind'], string][];

type HeatPump = Extract<HeatSource, { kind: 'heat-pump' }>;

/**
 * A heat pump's COP curve, point by point, each box at `heatSource.cop.<i>.…` where the contract's
 * schema refuses it: one editor for the Schedules page's saved source and a backtest's chosen one.
 */
export function CopFields({ s, set, testId }: { s: HeatPump; set: (s: HeatPump) => void; testId?: string }) {
  return (
    <>
      {s.cop.map((p, i) => (
        <div key={i} className="form-row">
          <TempField
            label="Outdoor"
            field={`heatSource.cop.${i}.outdoorC`}
            testId={testId && `${testId}-${i}-outdoor`}
            value={p.outdoorC}
            onChange={(outdoorC) => set({ ...s, cop: s.cop.map((q, j) => (j === i ? { ...q, outdoorC } : q)) })}
          />
          <NumField
            label="COP"
            field={`heatSource.cop.${i}.cop`}
            testId={testId && `${testId}-${i}`}
            value={p.cop}
            onChange={(cop) => set({ ...s, cop: s.cop.map((q, j) => (j === i ? { ...q, cop } : q)) })}
          />
        </div>
      ))}
      <button type="button" onClick={() => set({ ...s, cop: [...s.cop, { outdoorC: 15, cop: 4.5 }] })}>
        Add COP point
      </button>
    </>
  );
}

/** A currency code, upper-cased as typed: the core takes ISO codes such as EUR. */
export function CurrencyField({
  value,
  onChange,
  field,
}: {
  value: string;
  onChange: (code: string) => void;
  field?: string;
}) {
  return <TextField label="Currency" value={value} field={field} onChange={(code) => onChange(code.toUpperCase())} />;
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

/**
 * Fields that each edit one key of `value`, in the order of `fields`; with `at` (the path of
 * `value` in what the form sends; "" for its top) each registers at `at.key` for its refusals.
 */
type FieldList<T, Spec> = { fields: Spec[]; value: T; onChange: (value: T) => void; at?: string };

/** The `field` of a list's key: under `at`, or at the top when `at` is "". */
const fieldAt = (at: string | undefined, key: string) =>
  at === undefined ? {} : { field: at === '' ? key : `${at}.${key}` };

/** Text fields that each edit one key of `value`; an absent optional key shows empty. */
export function TextFields<T extends object>({ fields, value, onChange, at }: FieldList<T, TextSpec<T>>) {
  return fields.map(({ key, ...spec }) => (
    <TextField
      key={key}
      {...spec}
      {...fieldAt(at, key)}
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
export function NumFields<T extends object>({ fields, value, onChange, at }: FieldList<T, NumSpec<T>>) {
  return fields.map(({ key, ...spec }) => (
    <NumField
      key={key}
      {...spec}
      {...fieldAt(at, key)}
      value={value[key] as number}
      onChange={(n) => onChange({ ...value, [key]: n })}
    />
  ));
}

export function Select<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  field,
}: FieldProps<T> & { options: [T, string][] }) {
  const error = useFieldError(field);
  return (
    <label className={error.invalid ? 'invalid' : undefined}>
      {label}
      <select value={value} data-testid={testId} {...error.props} onChange={(e) => onChange(e.target.value as T)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      {error.message}
    </label>
  );
}

/**
 * A settings card's form over what the core stored: the draft starts as, and is replaced by, each
 * copy that arrives; an edit changes it and clears the "saved" marker. `store` checks the draft
 * against `schema` (the contract's, for the method `send` calls) and refuses it at its fields
 * before anything is sent, else `send` stores it and `then` gets what came back; a refusal by the
 * core is shown at its field the same way. A refused save keeps the draft as typed, and the stored
 * settings as they were. Wrap the form in `<FormErrors value={form.errors}>`.
 */
export function useSettingsForm<T extends object, R>(
  stored: T | undefined,
  send: (draft: T) => Promise<R>,
  then: (result: R) => void,
  {
    schema,
    before,
  }: {
    schema?: z.ZodType<unknown>;
    /** A check of the form's own after the schema's, such as a question to confirm (throws FieldsError). */
    before?: (draft: T) => void;
  } = {},
) {
  const [draft, setDraft] = useState<T | null>(null);
  useEffect(() => {
    if (stored) setDraft(stored);
  }, [stored]);
  const save = useSave();
  const { value: errors, check } = useFormErrors(save.error);
  const edit = (next: T) => {
    save.edited();
    setDraft(next);
  };
  const store = () => {
    if (!draft) return;
    save.run(() => {
      if (schema) check(schema, draft);
      before?.(draft);
      return send(draft);
    }, then);
  };
  return { draft, setDraft, edit, save, store, errors, check };
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

/** "Tue 02:00 PM" in a time zone, in the app's one clock style (format.ts fmtSlot). */
export function slotLabel(ms: number, timeZone: string): string {
  return fmtSlot(ms, timeZone);
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
