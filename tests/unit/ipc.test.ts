// The contract over Electron IPC, with a fake ipcMain that records the handlers main registers.
import { describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_CHANNELS } from '../../electron/api/contract';
import type { Handlers } from '../../electron/api/dispatch';
import { WorkstationError } from '../../electron/api/errors';
import { createEmitter, watchDepartmentLink, isTrustedSender, registerIpc, REFUSED_SENDER_MESSAGE, type IpcResult } from '../../electron/main/ipc';

type Handler = (event: unknown, input: unknown) => Promise<IpcResult>;

const CASE = {
  id: 7,
  code: 'CAT-007',
  surgeryDate: '2025-03-01',
  eye: 'OD',
  surgeon: 'Dr. A',
  notes: '',
  createdAt: '2025-03-01T10:00:00Z',
  updatedAt: '2025-03-01T10:00:00Z',
};

function setup() {
  const registered = new Map<string, Handler>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: Handler) => {
      if (registered.has(channel)) throw new Error(`second handler for ${channel}`);
      registered.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => void registered.delete(channel)),
  };
  const handlers = Object.fromEntries(REQUEST_CHANNELS.map((c) => [c, vi.fn(() => ({ ok: true }))])) as unknown as Record<string, ReturnType<typeof vi.fn>>;
  handlers['cases.get']!.mockImplementation(() => CASE);
  const mainFrame = { url: 'app://workstation/index.html', processId: 4, routingId: 1, parent: null };
  const contents = { mainFrame, send: vi.fn(), isDestroyed: vi.fn(() => false) };
  const log = vi.fn();
  const unregister = registerIpc({ ipcMain: ipcMain as never, handlers: handlers as unknown as Handlers, getContents: () => contents as never, log });
  const fromWindow = (frame: Partial<typeof mainFrame> | null = {}) => ({ sender: contents, senderFrame: frame === null ? null : { ...mainFrame, ...frame } });
  const call = (channel: string, input: unknown, event: unknown = fromWindow()) => registered.get(IPC_PREFIX + channel)!(event, input);
  return { registered, ipcMain, handlers, contents, log, unregister, fromWindow, call };
}

describe('registerIpc', () => {
  it('registers exactly one handler per contract channel', () => {
    const { ipcMain, registered } = setup();
    expect(ipcMain.handle).toHaveBeenCalledTimes(REQUEST_CHANNELS.length);
    expect([...registered.keys()].sort()).toEqual(REQUEST_CHANNELS.map((c) => IPC_PREFIX + c).sort());
  });

  it('returns the service value for a good call from the window', async () => {
    const { call, handlers } = setup();
    await expect(call('cases.get', { id: 7 })).resolves.toEqual({ ok: true, value: CASE });
    expect(handlers['cases.get']).toHaveBeenCalledExactlyOnceWith({ id: 7 });
    // Channels without arguments accept a missing payload.
    await expect(call('app.info', undefined)).resolves.toMatchObject({ ok: true });
  });

  it('refuses a call from a foreign frame URL before the service is reached', async () => {
    const { call, handlers, log, fromWindow } = setup();
    // Our window's main frame, but showing a page that is not the app (it navigated, or was redirected).
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://elsewhere/', 'media://frames/x', 'about:blank', '']) {
      const result = await call('cases.get', { id: 7 }, fromWindow({ url }));
      expect(result, url).toEqual({ ok: false, error: { code: 'forbidden', message: REFUSED_SENDER_MESSAGE } });
    }
    const direct = await call('cases.delete', { id: 7 }, { sender: undefined, senderFrame: { url: 'https://evil.example/', processId: 4, routingId: 1 } });
    expect(direct.ok).toBe(false);
    expect(handlers['cases.get']).not.toHaveBeenCalled();
    expect(handlers['cases.delete']).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalled();
  });

  it('refuses sub-frames, other web contents and destroyed frames, even on the app origin', async () => {
    const { call, handlers, contents } = setup();
    const appUrl = 'app://workstation/index.html';
    const events = [
      { sender: contents, senderFrame: { url: appUrl, processId: 4, routingId: 9, parent: {} } }, // an iframe
      { sender: contents, senderFrame: { url: appUrl, processId: 4, routingId: 1, parent: {} } },
      { sender: { other: true }, senderFrame: { url: appUrl, processId: 4, routingId: 1, parent: null } }, // another window
      { sender: contents, senderFrame: null }, // navigated away / destroyed
    ];
    for (const event of events) expect((await call('cases.delete', { id: 1 }, event)).ok).toBe(false);
    expect(handlers['cases.delete']).not.toHaveBeenCalled();
  });

  it('refuses everything while the window is gone', () => {
    const { contents, fromWindow } = setup();
    expect(isTrustedSender(fromWindow(), null)).toBe(false);
    contents.isDestroyed.mockReturnValue(true);
    expect(isTrustedSender(fromWindow(), contents as never)).toBe(false);
  });

  it('answers a bad payload with invalid-argument and never calls the service', async () => {
    const { call, handlers } = setup();
    for (const bad of [{ id: 'seven' }, { id: -1 }, { id: 7, extra: true }, 'x', null]) {
      const result = await call('cases.get', bad);
      expect(result.ok, JSON.stringify(bad)).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid-argument');
        expect(result.error.message).toMatch(/Invalid arguments for cases\.get/);
      }
    }
    const create = await call('cases.create', { code: 'John Smith', surgeryDate: null, eye: null, surgeon: '', notes: '' });
    expect(create).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(handlers['cases.get']).not.toHaveBeenCalled();
    expect(handlers['cases.create']).not.toHaveBeenCalled();
  });

  it('carries service errors as { code, message } instead of throwing', async () => {
    const { call, handlers } = setup();
    handlers['cases.get']!.mockImplementation(() => {
      throw new WorkstationError('not-found', 'Case 7 does not exist.');
    });
    await expect(call('cases.get', { id: 7 })).resolves.toEqual({ ok: false, error: { code: 'not-found', message: 'Case 7 does not exist.' } });
    handlers['cases.get']!.mockImplementation(async () => {
      throw new Error('disk full');
    });
    await expect(call('cases.get', { id: 7 })).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'Unexpected error: disk full' } });
  });

  it('removes every handler when unregistered', () => {
    const { unregister, registered, ipcMain } = setup();
    unregister();
    expect(registered.size).toBe(0);
    expect(ipcMain.removeHandler).toHaveBeenCalledTimes(REQUEST_CHANNELS.length);
  });
});

describe('createEmitter', () => {
  it('sends events to our window on the event channel, and drops them while there is none', () => {
    const send = vi.fn();
    let current: { send: typeof send; isDestroyed: () => boolean; mainFrame: unknown } | null = null;
    const emit = createEmitter(() => current as never);
    emit('analysis.token', { jobId: 'j1', frameId: 3, text: 'Thinking' });
    expect(send).not.toHaveBeenCalled();
    current = { send, isDestroyed: () => false, mainFrame: {} };
    emit('analysis.token', { jobId: 'j1', frameId: 3, text: 'Thinking' });
    expect(send).toHaveBeenCalledExactlyOnceWith(IPC_EVENT_CHANNEL, 'analysis.token', { jobId: 'j1', frameId: 3, text: 'Thinking' });
    current = { send, isDestroyed: () => true, mainFrame: {} };
    emit('analysis.token', { jobId: 'j1', frameId: 3, text: 'more' });
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('watchDepartmentLink', () => {
  it('passes every event on and follows the department library signed in to', () => {
    const send = vi.fn();
    const origins: Array<string | null> = [];
    const emit = watchDepartmentLink(createEmitter(() => ({ send, isDestroyed: () => false, mainFrame: {} }) as never), (o) => origins.push(o));
    const connection = {
      url: 'https://review.hospital.org:8443',
      user: { username: 'rhea', displayName: 'Dr Rhea', role: 'resident' as const },
      server: { version: '1', database: 'postgresql' as const, tls: true, engine: true },
      permissions: { signOff: false },
      connectedAt: '2026-12-08T00:00:00.000Z',
    };
    emit('department.link', { remembered: null, connection });
    emit('analysis.token', { jobId: 'j1', frameId: 3, text: 'x' });
    emit('department.link', { remembered: null, connection: null });
    expect(origins).toEqual(['https://review.hospital.org:8443', null]);
    expect(send).toHaveBeenCalledTimes(3);
  });
});
