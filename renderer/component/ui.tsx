import type { ReactNode } from 'react';

export function Card({ title, children, wide }: { title?: string; children: ReactNode; wide?: boolean }) {
  return (
    <section className={wide ? 'card wide' : 'card'}>
      {title && <h2>{title}</h2>}
      {children}
    </section>
  );
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
 */
export function Table({
  head,
  className,
  testId,
  foot,
  children,
}: {
  head: ReactNode[];
  className?: string;
  testId?: string;
  foot?: ReactNode;
  children: ReactNode;
}) {
  return (
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
