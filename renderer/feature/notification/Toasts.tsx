import { useEffect, useState } from 'react';
import type { Notification } from '#contract/index';
import { api } from '../../api/client.ts';

const SHOW_MS = 8000;

/** Browser toasts for pushed notifications (the desktop app also shows them as system notifications). */
export function Toasts() {
  const [items, setItems] = useState<Notification[]>([]);
  useEffect(
    () =>
      api.on('notification', (n) => {
        setItems((list) => [...list.slice(-3), n]);
        setTimeout(() => setItems((list) => list.filter((x) => x.id !== n.id)), SHOW_MS);
      }),
    [],
  );
  if (items.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {items.map((n) => (
        <div key={n.id} className={`toast toast-${n.level}`} data-testid="toast">
          <strong>{n.title}</strong>
          <div>{n.body}</div>
          <button
            type="button"
            aria-label="Dismiss"
            onClick={() => setItems((list) => list.filter((x) => x.id !== n.id))}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** The event log: every notification, newest first. */
export function EventLog({ notes }: { notes: Notification[] }) {
  if (notes.length === 0) return <p className="muted">Nothing to report yet.</p>;
  return (
    <ul className="event-log" data-testid="event-log">
      {notes.map((n) => (
        <li key={n.id} className={`toast-${n.level}`}>
          <time dateTime={new Date(n.at).toISOString()}>{new Date(n.at).toLocaleString()}</time>{' '}
          <strong>{n.title}</strong> — {n.body}
        </li>
      ))}
    </ul>
  );
}
