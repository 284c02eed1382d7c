// Fan-out of service events to every connected browser (Server-Sent Events).
import type { EventName, EventPayload } from '../api/contract';

export type EventListener = (name: EventName, payload: unknown) => void;

export function createEventHub() {
  const listeners = new Set<EventListener>();
  return {
    emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
      for (const l of listeners) l(name, payload);
    },
    subscribe(listener: EventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get size() {
      return listeners.size;
    },
  };
}
export type EventHub = ReturnType<typeof createEventHub>;
