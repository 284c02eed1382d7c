// The contract over Electron IPC: one ipcMain.handle per request channel, events pushed to our window.
// Every call is checked for its sender before anything else, then validated by dispatch (zod). Results travel
// as { ok, value } / { ok: false, error } because Electron rewrites the message of an Error thrown by a handler.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_CHANNELS, type EventName, type EventPayload } from '../api/contract';
import { dispatch, type Handlers } from '../api/dispatch';
import { toApiError, WorkstationError, type ApiErrorShape } from '../api/errors';
import type { AppLog } from '../core/logging/app-log';
import { noteCallSecrets } from '../core/logging/log-secrets';
import { APP_ORIGIN, isSameOrigin } from './origin';

export type IpcResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

/** The parts of the window's web contents the sender check and the emitter use. */
export type TrustedContents = Pick<WebContents, 'mainFrame' | 'send' | 'isDestroyed'>;

type FrameLike = { url: string; processId: number; routingId: number; parent?: unknown } | null | undefined;
type InvokeEventLike = { sender: unknown; senderFrame?: FrameLike };

export const REFUSED_SENDER_MESSAGE = 'This request did not come from the workstation window and was refused.';

/**
 * True only for a call from the main frame of our window while it shows an app:// page. Sub-frames, other
 * windows and pages that navigated elsewhere are refused.
 */
export function isTrustedSender(event: InvokeEventLike, contents: TrustedContents | null, origin: string = APP_ORIGIN): boolean {
  const frame = event.senderFrame;
  if (!frame || !contents || contents.isDestroyed()) return false;
  if (event.sender !== contents) return false;
  const main = contents.mainFrame;
  if (!main || frame.processId !== main.processId || frame.routingId !== main.routingId) return false;
  if (frame.parent) return false;
  return isSameOrigin(frame.url, origin);
}

export interface IpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: Handlers;
  /** Our window's web contents, or null while there is none. */
  getContents(): TrustedContents | null;
  origin?: string;
  log?: (message: string) => void;
  /** The app log: unexpected errors with their stack. */
  appLog?: Pick<AppLog, 'error' | 'addSecret'>;
}

/** Registers one handler per contract channel; returns a function that removes them all. */
export function registerIpc(options: IpcOptions): () => void {
  const origin = options.origin ?? APP_ORIGIN;
  const log = options.log ?? ((m: string) => console.warn(m));
  for (const channel of REQUEST_CHANNELS) {
    options.ipcMain.handle(IPC_PREFIX + channel, async (event: IpcMainInvokeEvent, input: unknown): Promise<IpcResult> => {
      if (!isTrustedSender(event as unknown as InvokeEventLike, options.getContents(), origin)) {
        log(`[ipc] refused ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        return { ok: false, error: { code: 'forbidden', message: REFUSED_SENDER_MESSAGE } };
      }
      try {
        if (options.appLog) noteCallSecrets(options.appLog, channel, input);
        return { ok: true, value: await dispatch(options.handlers, channel, input) };
      } catch (err) {
        if (!(err instanceof WorkstationError) || err.code === 'internal') options.appLog?.error(`Unexpected error in ${channel}`, err, { transport: 'electron' });
        return { ok: false, error: toApiError(err) };
      }
    });
  }
  return () => {
    for (const channel of REQUEST_CHANNELS) options.ipcMain.removeHandler(IPC_PREFIX + channel);
  };
}

/** emit(name, payload) for createAppServices: sent to our window only, dropped while it does not exist. */
export function createEmitter(getContents: () => TrustedContents | null) {
  return <E extends EventName>(name: E, payload: EventPayload<E>): void => {
    const contents = getContents();
    if (!contents || contents.isDestroyed()) return;
    contents.send(IPC_EVENT_CHANNEL, name, payload);
  };
}

/**
 * Passes every event on, and tells `onOrigin` the department library's address whenever the link changes (null when
 * signed out): the window lets links to that site's pages open in the OS browser (window-security.ts).
 */
export function watchDepartmentLink(emit: ReturnType<typeof createEmitter>, onOrigin: (origin: string | null) => void) {
  return <E extends EventName>(name: E, payload: EventPayload<E>): void => {
    if (name === 'department.link') onOrigin((payload as EventPayload<'department.link'>).connection?.url ?? null);
    emit(name, payload);
  };
}
