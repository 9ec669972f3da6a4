import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';

/** The id of the enclosing card's heading, so a table inside can be named by it. */
const CardHeading = createContext<string | undefined>(undefined);

export function Card({ title, children, wide }: { title?: string; children: ReactNode; wide?: boolean }) {
  const headingId = useId();
  return (
    <section className={wide ? 'card wide' : 'card'} aria-labelledby={title ? headingId : undefined}>
      {title && <h2 id={headingId}>{title}</h2>}
      <CardHeading.Provider value={title ? headingId : undefined}>{children}</CardHeading.Provider>
    </section>
  );
}

/** Whether the element is wider inside than the room it has, kept up to date as either changes. */
function useOverflows(ref: RefObject<HTMLElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setOverflows(el.scrollWidth > el.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, [ref]);
  return overflows;
}

/** A labelled figure: the big number people look at, with its unit in `value` and a note below. */
export function Stat({ label, value, note, testId }: { label: string; value: string; note?: string; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {note && <div className="stat-note">{note}</div>}
    </div>
  );
}

export function ErrorBanner({ error }: { error: (Error & { hint?: string | undefined }) | undefined }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      {error.message}
      {error.hint && <div className="hint">{error.hint}</div>}
    </div>
  );
}

/**
 * A table with one header row: `head` holds the column headings in order ('' for a blank column),
 * `children` the body rows, `foot` the footer rows if any. No default class: the job table has none.
 *
 * The table scrolls sideways inside its own box when it is wider than its card (a phone), so the
 * page itself never does. Only then is the box a tab stop, so keyboard users can scroll it; it is
 * named by `label`, else by the enclosing card's heading.
 */
export function Table({
  head,
  className,
  testId,
  foot,
  label,
  children,
}: {
  head: ReactNode[];
  className?: string;
  testId?: string;
  foot?: ReactNode;
  label?: string;
  children: ReactNode;
}) {
  const wrap = useRef<HTMLDivElement>(null);
  const overflows = useOverflows(wrap);
  const cardHeading = useContext(CardHeading);
  const named = label
    ? { 'aria-label': label }
    : cardHeading
      ? { 'aria-labelledby': cardHeading }
      : { 'aria-label': 'Table' };
  return (
    <div className="table-wrap" ref={wrap} {...(overflows ? { tabIndex: 0, role: 'region', ...named } : {})}>
      <table className={className} data-testid={testId}>
        <thead>
          <tr>
            {head.map((h, i) => (
              // A heading holds no state, so reusing its cell by position is harmless.
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
        {foot !== undefined && <tfoot>{foot}</tfoot>}
      </table>
    </div>
  );
}

/** A two-column table of facts (label → value). */
export function Facts({ rows, testId }: { rows: [string, ReactNode][]; testId?: string }) {
  return (
    <dl className="facts" data-testid={testId}>
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd data-fact={k}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A card whose data has not arrived: the failed call's error, or a loading line. */
export function PendingCard({ title, error }: { title: string; error: Error | undefined }) {
  return <Card title={title}>{error ? <ErrorBanner error={error} /> : <p className="muted">Loading…</p>}</Card>;
}

/**
 * A form's Save button and, once the save went through, its marker: test ids `<name>-save` and
 * `<name>-saved`, which the e2e page model clicks and waits for. Off while the save runs.
 */
export function SaveButton({
  name,
  state,
  onClick,
  children,
  marker = 'Saved.',
  markerClass,
  primary,
}: {
  name: string;
  state: { busy: boolean; saved: boolean };
  onClick: () => void;
  children: ReactNode;
  marker?: string;
  markerClass?: string;
  primary?: boolean;
}) {
  return (
    <>
      <button
        type="button"
        className={primary ? 'primary' : undefined}
        disabled={state.busy}
        onClick={onClick}
        data-testid={`${name}-save`}
      >
        {children}
      </button>
      {state.saved && (
        <span className={markerClass} data-testid={`${name}-saved`}>
          {marker}
        </span>
      )}
    </>
  );
}
