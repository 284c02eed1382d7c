// The sandboxed preload: window.workstation implements the contract over IPC, and nothing else is exposed
// (no ipcRenderer, no Node). Built as one CommonJS bundle (sandboxed preloads cannot load ESM or other files).
//
// contextBridge copies a rejected Error by its message only, so a failed call rejects with the plain
// { code, message, details } object instead (plain objects cross the bridge whole); the renderer reads all three.
import { contextBridge, ipcRenderer } from 'electron';
import { createWorkstationApi, type Transport } from '../api/client';
import { EVENT_NAME_LIST as EVENT_NAMES, IPC_EVENT_CHANNEL, IPC_PREFIX, type EventNameName as EventName } from '../api/channels';
import type { ApiErrorShape } from '../api/errors';

type IpcResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

const knownEvents = new Set<string>(EVENT_NAMES);

function isResult(value: unknown): value is IpcResult {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

const transport: Transport = {
  async invoke(channel, input) {
    const result: unknown = await ipcRenderer.invoke(IPC_PREFIX + channel, input);
    if (!isResult(result)) return Promise.reject({ code: 'internal', message: `No valid answer for ${channel}.`, details: [] });
    if (result.ok) return result.value;
    return Promise.reject({ code: result.error.code, message: result.error.message, details: result.error.details ?? [] });
  },
  subscribe(listener) {
    const onEvent = (_event: unknown, name: unknown, payload: unknown) => {
      if (typeof name === 'string' && knownEvents.has(name)) listener(name as EventName, payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, onEvent);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, onEvent);
    };
  },
};

contextBridge.exposeInMainWorld('workstation', createWorkstationApi(transport, 'media://'));
