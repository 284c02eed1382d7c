// The one WorkstationApi the renderer uses: the preload's window.workstation in Electron, or one built here
// over the browser host's HTTP transport. Nothing else in the renderer talks to the outside world.
import { createWorkstationApi, type WorkstationApi } from '../../electron/api/client';
import { createHostTransport, type ConnectionState } from './host-transport';

type ConnectionListener = (state: ConnectionState, reopened: boolean) => void;

function build(): { api: WorkstationApi; onConnection: (l: ConnectionListener) => () => void } {
  if (window.workstation) return { api: window.workstation, onConnection: () => () => {} };
  const transport = createHostTransport('/');
  return { api: createWorkstationApi(transport, '/media/'), onConnection: (l) => transport.onConnection(l) };
}

const built = build();

export const api: WorkstationApi = built.api;
export const isBrowserHost = !window.workstation;

/** Event-stream health (browser host only; Electron IPC has no such notion and always reports nothing). */
export const onConnection = built.onConnection;

export type { WorkstationApi };
export type { ConnectionState };
