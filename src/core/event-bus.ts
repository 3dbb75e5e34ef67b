import type { EngineEvent, EngineEvents, EngineEventType, EventOf } from './events.js';

type Listener = (event: EngineEvent) => void;

/**
 * Typed listeners by event type. A listener that throws is reported to `onError` and does not
 * disturb the run or the other listeners: observers never change what they observe.
 */
export class EventBus implements EngineEvents {
  private readonly listeners = new Map<EngineEventType, Set<Listener>>();
  private count = 0;

  constructor(private readonly onError: (error: unknown, event: EngineEvent) => void = () => {}) {}

  get active(): boolean {
    return this.count > 0;
  }

  listens(type: EngineEventType): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<T extends EngineEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const fn = listener as Listener;
    if (!set.has(fn)) {
      set.add(fn);
      this.count++;
    }
    return () => {
      if (set.delete(fn)) this.count--;
    };
  }

  emit(event: EngineEvent): void {
    const set = this.listeners.get(event.type);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error, event);
      }
    }
  }
}
