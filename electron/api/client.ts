// Builds window.workstation from a transport: named functions per channel (cases.create(...)) and on(event).
import { EVENT_NAME_LIST, REQUEST_CHANNEL_NAMES } from './channels';
import type { EventName, EventPayload, Input, Output, RequestChannel } from './contract';

export interface Transport {
  invoke(channel: RequestChannel, input: unknown): Promise<unknown>;
  subscribe(listener: (name: EventName, payload: unknown) => void): () => void;
}

type Split<S extends string> = S extends `${infer A}.${infer B}` ? [A, B] : never;
type Namespaces = Split<RequestChannel>[0];
type MethodsOf<N extends string> = {
  [C in RequestChannel as Split<C>[0] extends N ? Split<C>[1] : never]: (input: Input<C>) => Promise<Output<C>>;
};

export type WorkstationApi = { [N in Namespaces]: MethodsOf<N> } & {
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL of a stored frame image (media:// in the app, /media/ under the browser host). */
  frameUrl(sha256: string): string;
  /** URL of a library video, served with HTTP Range (media:// in the app, /media/ under the browser host). */
  videoUrl(videoId: number): string;
  /** URL of a video's scrub proxy (404 until it is ready). */
  proxyUrl(videoId: number): string;
};

export function createWorkstationApi(transport: Transport, mediaBase: string): WorkstationApi {
  const api: Record<string, unknown> = {};
  for (const channel of REQUEST_CHANNEL_NAMES) {
    const [ns, method] = channel.split('.') as [string, string];
    const group = (api[ns] ??= {}) as Record<string, unknown>;
    group[method] = (input: unknown) => transport.invoke(channel, input ?? {});
  }
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  for (const name of EVENT_NAME_LIST) listeners.set(name, new Set());
  let unsubscribe: (() => void) | null = null;
  api.on = (name: EventName, listener: (payload: unknown) => void) => {
    const set = listeners.get(name);
    if (!set) throw new Error(`Unknown event "${name}".`);
    set.add(listener);
    unsubscribe ??= transport.subscribe((n, payload) => listeners.get(n)?.forEach((l) => l(payload)));
    return () => set.delete(listener);
  };
  api.frameUrl = (sha256: string) => `${mediaBase}frames/${encodeURIComponent(sha256)}`;
  api.videoUrl = (videoId: number) => `${mediaBase}videos/${videoId}`;
  api.proxyUrl = (videoId: number) => `${mediaBase}videos/${videoId}/proxy`;
  return api as WorkstationApi;
}
