// The browser host's transport: POST /api/invoke/<channel> with wire JSON, and Server-Sent Events on /api/events.
// Authentication is the HttpOnly cookie the host set from ?token=, so every request stays same-origin.
import type { Transport } from '../../electron/api/client';
import { EVENT_NAMES, type EventName, type RequestChannel } from '../../electron/api/contract';
import { fromApiError, WorkstationError, type ApiErrorShape } from '../../electron/api/errors';
import { decodeWire, encodeWire } from '../../electron/api/wire';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface HostTransport extends Transport {
  /** Event-stream health, for the "reconnecting" notice; `reopened` is true when it came back after a drop. */
  onConnection(listener: (state: ConnectionState, reopened: boolean) => void): () => void;
}

function isWireResult(v: unknown): v is { ok: true; value: unknown } | { ok: false; error: ApiErrorShape } {
  return !!v && typeof v === 'object' && typeof (v as { ok?: unknown }).ok === 'boolean';
}

export function createHostTransport(base = '/'): HostTransport {
  const connectionListeners = new Set<(state: ConnectionState, reopened: boolean) => void>();
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  const setState = (next: ConnectionState, reopened = false) => {
    state = next;
    connectionListeners.forEach((l) => l(next, reopened));
  };

  return {
    async invoke(channel: RequestChannel, input: unknown): Promise<unknown> {
      let res: Response;
      try {
        res = await fetch(`${base}api/invoke/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: encodeWire(input ?? {}),
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch {
        throw new WorkstationError('unavailable', 'Cannot reach the workstation service. Check that it is still running, then try again.');
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = decodeWire(text);
      } catch {
        const hint = text.trim().slice(0, 300) || res.statusText;
        throw new WorkstationError('internal', `The workstation answered ${res.status}: ${hint}`);
      }
      if (!isWireResult(body)) throw new WorkstationError('internal', `The workstation sent an unexpected answer (${res.status}).`);
      if (!body.ok) throw fromApiError(body.error);
      return body.value;
    },

    subscribe(listener: (name: EventName, payload: unknown) => void): () => void {
      const source = new EventSource(`${base}api/events`);
      for (const name of EVENT_NAMES) {
        source.addEventListener(name, (ev) => {
          let payload: unknown;
          try {
            payload = decodeWire((ev as MessageEvent<string>).data);
          } catch {
            console.warn(`Ignoring a malformed "${name}" event.`);
            return;
          }
          listener(name, payload);
        });
      }
      source.onopen = () => {
        const reopened = everOpened;
        everOpened = true;
        setState('open', reopened);
      };
      // EventSource reconnects by itself (the host sends retry: 1000); we only report it.
      source.onerror = () => {
        if (state !== 'reconnecting') setState('reconnecting');
      };
      return () => source.close();
    },

    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
