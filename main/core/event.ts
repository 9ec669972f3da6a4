import type { EventName, Events } from '#contract/index';

type Listener<E extends EventName> = (payload: Events[E]) => void;

/** Typed in-process event bus: the core emits, transports forward to their clients. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<never>>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Forwards every event, for transports that relay all of them. */
  onAny(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners.get(event) ?? []) (l as Listener<E>)(payload);
    for (const l of this.anyListeners) l(event, payload);
  }

  private readonly anyListeners = new Set<<E extends EventName>(event: E, payload: Events[E]) => void>();
}
