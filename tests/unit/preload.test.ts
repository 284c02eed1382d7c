// The preload over a mocked electron module: what it exposes, how it unwraps results and events.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_CHANNELS } from '../../electron/api/contract';

const exposed = new Map<string, unknown>();
const invoke = vi.fn();
const listeners = new Map<string, Array<(...args: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, [...(listeners.get(channel) ?? []), fn]),
    removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== fn)),
  },
}));

type Api = Record<string, Record<string, (input?: unknown) => Promise<unknown>>> & {
  on(name: string, fn: (payload: unknown) => void): () => void;
  frameUrl(sha: string): string;
};
let api: Api;

beforeAll(async () => {
  await import('../../electron/preload/preload');
  api = exposed.get('workstation') as Api;
});

describe('preload', () => {
  it('exposes window.workstation only, with one function per contract channel', () => {
    expect([...exposed.keys()]).toEqual(['workstation']);
    for (const channel of REQUEST_CHANNELS) {
      const [ns, method] = channel.split('.') as [string, string];
      expect(typeof api[ns]?.[method], channel).toBe('function');
    }
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc|invoke|send/i);
  });

  it('invokes the prefixed channel and returns the value', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: [{ id: 1 }] });
    await expect(api.cases!.list!({ search: 'CAT' })).resolves.toEqual([{ id: 1 }]);
    expect(invoke).toHaveBeenLastCalledWith(`${IPC_PREFIX}cases.list`, { search: 'CAT' });
  });

  it('rejects an error result with a plain { code, message, details } object (it crosses contextBridge whole)', async () => {
    invoke.mockResolvedValueOnce({ ok: false, error: { code: 'invalid-argument', message: 'Bad code.', details: ['code: Use letters'] } });
    const err = await api.cases!.get!({ id: 9 }).catch((e: unknown) => e);
    expect(Object.getPrototypeOf(err)).toBe(Object.prototype);
    expect(err).toEqual({ code: 'invalid-argument', message: 'Bad code.', details: ['code: Use letters'] });
    invoke.mockResolvedValueOnce(undefined);
    await expect(api.cases!.get!({ id: 9 })).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/No valid answer/) });
  });

  it('delivers contract events to subscribers and ignores unknown names', () => {
    const got: unknown[] = [];
    const off = api.on('analysis.token', (p) => got.push(p));
    const fire = (name: string, payload: unknown) => listeners.get(IPC_EVENT_CHANNEL)?.forEach((l) => l({}, name, payload));
    fire('analysis.token', { jobId: 'j', frameId: 1, text: 'a' });
    fire('made.up', { x: 1 });
    off();
    fire('analysis.token', { jobId: 'j', frameId: 1, text: 'b' });
    expect(got).toEqual([{ jobId: 'j', frameId: 1, text: 'a' }]);
  });

  it('builds media:// frame URLs', () => {
    expect(api.frameUrl('ab'.repeat(32))).toBe(`media://frames/${'ab'.repeat(32)}`);
  });
});
