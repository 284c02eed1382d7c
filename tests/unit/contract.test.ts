import { describe, expect, it, vi } from 'vitest';
import { REQUEST_CHANNELS, type RequestChannel } from '../../electron/api/contract';
import { dispatch, type Handlers } from '../../electron/api/dispatch';
import { WorkstationError } from '../../electron/api/errors';
import { decodeWire, encodeWire } from '../../electron/api/wire';

// Payloads every channel must refuse (all inputs are strict objects).
const COMMON_BAD: unknown[] = ['text', 42, null, [], { unexpectedKey: 1 }];

const validCase = { code: 'CAT-001', surgeryDate: '2026-01-31', eye: 'OD', surgeon: '', notes: '' };

// Channel-specific bad payloads: each must fail the schema.
const BAD: Record<RequestChannel, unknown[]> = {
  'app.info': [{ x: 1 }],
  'cases.list': [{ search: 5 }, { search: 'x'.repeat(201) }],
  'cases.get': [{}, { id: 0 }, { id: -1 }, { id: 1.5 }, { id: '1' }],
  'cases.create': [
    {},
    { ...validCase, code: '' },
    { ...validCase, code: 'has space' },
    { ...validCase, code: 'x'.repeat(41) },
    { ...validCase, code: '../etc' },
    { ...validCase, surgeryDate: '2026-02-30' },
    { ...validCase, surgeryDate: '31/01/2026' },
    { ...validCase, eye: 'left' },
    { ...validCase, notes: 'x'.repeat(20_001) },
    { ...validCase, id: 3 },
  ],
  'cases.update': [{ id: 1 }, { id: 1, patch: { code: '' } }, { id: 'a', patch: {} }, { id: 1, patch: { id: 2 } }],
  'cases.delete': [{}, { id: 'x' }, { id: 0 }],
  'settings.get': [{ a: 1 }],
  'settings.update': [{ theme: 'purple' }, { contextSize: 10 }, { devicePreference: 'tpu' }, { unknown: true }],
  'frames.addImage': [
    { caseId: 1, fileName: 'a.png' },
    { caseId: 1, fileName: 'a.png', data: 'not bytes' },
    { caseId: 1, fileName: '', data: new Uint8Array(4) },
    { caseId: 0, fileName: 'a.png', data: new Uint8Array(4) },
  ],
  'frames.list': [{}, { caseId: 'x' }],
  'frames.delete': [{}, { id: -5 }],
  'inference.status': [{ a: 1 }],
  'inference.load': [
    { modelPath: '', mmprojPath: 'b', device: 'cpu', contextSize: 4096 },
    { modelPath: 'a', mmprojPath: 'b', device: 'gpu', contextSize: 4096 },
    { modelPath: 'a', mmprojPath: 'b', device: 'cpu', contextSize: 100 },
    { modelPath: 'a', device: 'cpu', contextSize: 4096 },
  ],
  'inference.unload': [{ now: true }],
  'analysis.start': [{}, { frameId: 1, maxTokens: 0 }, { frameId: 1, maxTokens: 100_000 }, { frameId: 1, prompt: '' }],
  'analysis.cancel': [{}, { jobId: '' }, { jobId: 5 }],
  'analysis.list': [{}, { frameId: 'a' }],
  'analysis.defaultPrompt': [{ a: 1 }],
};

function recordingHandlers() {
  const called = vi.fn();
  const handlers = new Proxy({} as Handlers, {
    get: () => (input: unknown) => {
      called(input);
      return 'reached';
    },
  });
  return { handlers, called };
}

describe('contract validation', () => {
  it('has a table of bad payloads for every channel', () => {
    expect(Object.keys(BAD).sort()).toEqual([...REQUEST_CHANNELS].sort());
  });

  for (const channel of REQUEST_CHANNELS) {
    it(`${channel} rejects bad arguments before any service runs`, async () => {
      const payloads = [...COMMON_BAD, ...BAD[channel]];
      for (const payload of payloads) {
        const { handlers, called } = recordingHandlers();
        const err = await dispatch(handlers, channel, payload).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${channel} accepted ${JSON.stringify(payload)?.slice(0, 80)}`).toBeInstanceOf(WorkstationError);
        expect((err as WorkstationError).code).toBe('invalid-argument');
        expect((err as WorkstationError).message).toContain(channel);
        expect(called).not.toHaveBeenCalled();
      }
    });
  }

  it('passes valid arguments through to the service', async () => {
    const { handlers, called } = recordingHandlers();
    await expect(dispatch(handlers, 'cases.create', validCase)).resolves.toBe('reached');
    expect(called).toHaveBeenCalledWith(validCase);
  });

  it('names the field and the rule in the message', async () => {
    const { handlers } = recordingHandlers();
    const err = (await dispatch(handlers, 'cases.create', { ...validCase, code: 'has space' }).catch((e: unknown) => e)) as WorkstationError;
    expect(err.details).toEqual([expect.stringMatching(/^code: Use letters, digits/)]);
  });

  it('refuses unknown channels', async () => {
    const { handlers, called } = recordingHandlers();
    await expect(dispatch(handlers, 'cases.drop', {})).rejects.toMatchObject({ code: 'not-found' });
    expect(called).not.toHaveBeenCalled();
  });

  it('carries bytes over the JSON wire unchanged', () => {
    const data = new Uint8Array([0, 1, 2, 255, 128]);
    const back = decodeWire(encodeWire({ data, nested: [{ b: Buffer.from([9, 8]) }] })) as { data: Uint8Array; nested: [{ b: Uint8Array }] };
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect([...back.data]).toEqual([0, 1, 2, 255, 128]);
    expect([...back.nested[0].b]).toEqual([9, 8]);
  });
});
