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
  'app.openLogFolder': [{ folder: '/etc' }],
  'app.choosePath': [{}, { purpose: 'anything' }, { purpose: 'video', extra: 1 }, { purpose: 'video', title: 'x'.repeat(201) }],
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
  'settings.update': [{ theme: 'purple' }, { contextSize: 10 }, { devicePreference: 'tpu' }, { unknown: true }, { backupsToKeep: 0 }, { backupsToKeep: 2.5 }, { frameCacheMb: 64 }, { frameCacheMb: 'lots' }],
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
    { engine: 'remote', url: 'ftp://server', model: 'm' },
    { engine: 'remote', url: 'http://server:8000', model: '' },
    { engine: 'remote', url: 'http://server:8000' },
    { engine: 'remote', url: 'http://server:8000', model: 'm', modelPath: 'a' },
    { engine: 'local', url: 'http://server:8000', model: 'm' },
  ],
  'inference.unload': [{ now: true }],
  'inference.testConnection': [{}, { url: '' }, { url: 'gpu-server:8000' }, { url: 'http://server', model: '' }, { url: 'http://server', apiKey: 5 }],
  'analysis.start': [{}, { frameId: 1, maxTokens: 0 }, { frameId: 1, maxTokens: 100_000 }, { frameId: 1, prompt: '' }],
  'analysis.cancel': [{}, { jobId: '' }, { jobId: 5 }],
  'analysis.list': [{}, { frameId: 'a' }],
  'analysis.defaultPrompt': [{ a: 1 }],
  'analysis.ask': [{}, { analysisId: 1 }, { analysisId: 1, question: '   ' }, { analysisId: 1, question: 'x'.repeat(2001) }, { analysisId: 1, question: 'q', maxTokens: 0 }],
  'analysis.turns': [{}, { analysisId: 'a' }],
  'analysis.deleteTurn': [{}, { turnId: -1 }],
  'analysis.followUpChips': [{ a: 1 }],
  'models.catalog': [{ a: 1 }],
  'models.list': [{ all: true }],
  'models.inspect': [{}, { path: '' }, { path: '   ' }, { path: 5 }, { path: 'x'.repeat(4097) }],
  'models.import': [
    { mode: 'copy' },
    { modelPath: 'a.gguf', mmprojPath: 'b.gguf' },
    { modelPath: 'a.gguf', mmprojPath: 'b.gguf', mode: 'move' },
    { modelPath: 'a.gguf', mode: 'copy' },
    { mmprojPath: 'b.gguf', mode: 'copy' },
    { folder: '/models', modelPath: 'a.gguf', mmprojPath: 'b.gguf', mode: 'copy' },
    { folder: '', mode: 'reference' },
    { folder: '/models', mode: 'copy', title: '' },
  ],
  'models.download': [{}, { catalogId: '' }, { catalogId: '../etc' }, { catalogId: 'Has Space' }],
  'models.downloads': [{ a: 1 }],
  'models.cancelDownload': [{}, { jobId: '' }, { jobId: 5 }],
  'models.cancelImport': [{ jobId: 'x' }],
  'models.remove': [{}, { id: '' }, { id: '../x' }, { id: 3 }],
  'models.activate': [
    { id: 'm1' },
    { id: 'm1', device: 'gpu', contextSize: 4096 },
    { id: 'm1', device: 'cpu', contextSize: 100 },
    { id: '/abs', device: 'cpu', contextSize: 4096 },
  ],
  'models.test': [{ maxTokens: 0 }, { maxTokens: 10_000 }, { maxTokens: 'many' }],
  'secrets.status': [{ name: 'huggingface-token' }],
  'secrets.set': [
    {},
    { name: 'huggingface-token' },
    { name: 'password', value: 'x' },
    { name: 'huggingface-token', value: '' },
    { name: 'huggingface-token', value: 'hf_abc def' },
    { name: 'huggingface-token', value: 42 },
  ],
  // annotations, tags, segments, notes, audit, search, taxonomy, recovery (contract-review.ts)
  'annotations.create': [
    {},
    { frameId: 1, kind: 'box' },
    { frameId: 1, kind: 'star', geometry: { x: 0, y: 0, w: 1, h: 1 } },
    { frameId: 1, kind: 'box', geometry: { x: -0.1, y: 0, w: 0.5, h: 0.5 } },
    { frameId: 1, kind: 'box', geometry: { x: 0.1, y: 0, w: 1.5, h: 0.5 } },
    { frameId: 1, kind: 'box', geometry: { x1: 0, y1: 0, x2: 1, y2: 1 } },
    { frameId: 1, kind: 'arrow', geometry: { x1: 0, y1: 0, x2: 2, y2: 1 } },
    { frameId: 1, kind: 'freehand', geometry: { points: [0.1, 0.2, 0.3] } },
    { frameId: 1, kind: 'freehand', geometry: { points: [0.1] } },
    { frameId: 1, kind: 'text', geometry: { x: 0.1, y: 0.1, text: '' } },
    { frameId: 1, kind: 'box', geometry: { x: 0, y: 0, w: 0.1, h: 0.1 }, color: 'red' },
    { frameId: 1, kind: 'box', geometry: { x: 0, y: 0, w: 0.1, h: 0.1 }, label: 'x'.repeat(121) },
    { frameId: 0, kind: 'box', geometry: { x: 0, y: 0, w: 0.1, h: 0.1 } },
    { frameId: 1, kind: 'box', geometry: { x: 0, y: 0, w: 0.1, h: 0.1 }, id: 5 },
  ],
  'annotations.update': [{}, { id: 1 }, { id: 1, patch: {} }, { id: 1, patch: { kind: 'arrow' } }, { id: 1, patch: { color: '#12345' } }, { id: 1, patch: { geometry: { x: 2, y: 0, w: 0, h: 0 } } }],
  'annotations.delete': [{}, { id: 0 }, { id: 'a' }],
  'annotations.restore': [{}, { id: -1 }],
  'annotations.listForFrame': [{}, { frameId: 'x' }, { reviewId: 1 }],
  'annotations.listForReview': [{}, { reviewId: 0 }, { frameId: 1 }],
  'tags.add': [
    {},
    { reviewId: 1, kind: 'phase' },
    { reviewId: 1, kind: 'colour', value: 'red' },
    { reviewId: 1, kind: 'free', value: '' },
    { reviewId: 1, kind: 'free', value: 'x'.repeat(81) },
    { reviewId: 1, frameId: 'a', kind: 'free', value: 'x' },
    { reviewId: 1, frameId: 2, segmentId: 3, kind: 'free', value: 'x' },
  ],
  'tags.remove': [{}, { id: 0 }],
  'tags.list': [{}, { reviewId: 1, frameId: 0 }],
  'segments.create': [
    {},
    { reviewId: 1, startFrame: 0, endFrame: 10, startTime: 0, endTime: 1 },
    { reviewId: 1, startFrame: 10, endFrame: 5, startTime: 0, endTime: 1, phase: null },
    { reviewId: 1, startFrame: 0, endFrame: 5, startTime: 2, endTime: 1, phase: null },
    { reviewId: 1, startFrame: -1, endFrame: 5, startTime: 0, endTime: 1, phase: null },
    { reviewId: 1, startFrame: 0.5, endFrame: 5, startTime: 0, endTime: 1, phase: null },
  ],
  'segments.update': [{}, { id: 1, patch: {} }, { id: 1, patch: { startFrame: 9, endFrame: 3 } }, { id: 1, patch: { reviewId: 2 } }],
  'segments.delete': [{}, { id: 1.5 }],
  'segments.list': [{}, { reviewId: 'x' }],
  'notes.create': [{}, { reviewId: 1 }, { reviewId: 1, text: '   ' }, { reviewId: 1, text: 'x'.repeat(20_001) }, { reviewId: 1, frameId: -2, text: 'x' }],
  'notes.update': [{}, { id: 1 }, { id: 1, text: '' }],
  'notes.delete': [{}, { id: 0 }],
  'notes.list': [{}, { reviewId: 1, frameId: 'x' }],
  'audit.list': [{ limit: 0 }, { limit: 501 }, { entity: 'case' }, { entityId: 3 }, { reviewId: 0 }],
  'search.query': [
    {},
    { text: 5 },
    { text: 'x'.repeat(201) },
    { text: 'a', sort: 'random' },
    { text: 'a', limit: 0 },
    { text: 'a', filters: { status: 'open' } },
    { text: 'a', filters: { dateFrom: '2026/01/01' } },
    { text: 'a', filters: { dateFrom: '2026-02-01', dateTo: '2026-01-01' } },
    { text: 'a', filters: { surgeon: 'x' } },
  ],
  'reviews.recent': [{ limit: 0 }, { limit: 1000 }, { limit: 'ten' }],
  'taxonomy.get': [{ kind: 'phase' }],
  'recovery.status': [{ verbose: true }],
  'recovery.restore': [{}, { backup: '' }, { backup: '../library.sqlite' }, { backup: '/etc/passwd' }, { backup: 'backup.txt' }],
  'recovery.openOther': [{}, { path: '' }, { path: '   ' }, { path: 'x'.repeat(4097) }],
  'videos.probe': [{}, { path: '' }, { path: '   ' }, { path: 7 }, { path: 'x'.repeat(4097) }],
  'videos.import': [{ path: '/v.mp4' }, { caseId: 1 }, { caseId: 0, path: '/v.mp4' }, { caseId: 1, path: '' }, { caseId: 1, path: '/v.mp4', copy: true }],
  'analysis.expected': [{ x: 1 }, { frameId: 1 }],
  'timeline.estimate': [{ reviewId: 1 }, { reviewId: 1, everySeconds: 0 }, { reviewId: 1, everySeconds: 5, sampling: 'random' }, { reviewId: 0, everySeconds: 5 }],
  'videos.importParts': [{ caseId: 1, paths: ['/a.mp4'] }, { caseId: 1, paths: [] }, { caseId: 1, paths: ['/a.mp4', ''] }, { caseId: 1, paths: '/a.mp4' }, { caseId: 1, paths: Array.from({ length: 101 }, (_, i) => `/p${i}.mp4`) }],
  'videos.convert': [{ path: '/v.mp4' }, { caseId: 1, path: '  ' }, { caseId: 'one', path: '/v.mp4' }],
  'videos.cancelJob': [{}, { jobId: '' }, { jobId: 3 }, { jobId: 'x'.repeat(101) }],
  'videos.list': [{}, { caseId: 0 }, { caseId: '1' }],
  'videos.get': [{}, { id: -1 }, { id: 2.5 }],
  'videos.timeline': [{}, { id: 0 }, { videoId: 1 }],
  'videos.relink': [{ id: 1 }, { path: '/v.mp4' }, { id: 1, path: '' }, { id: 0, path: '/v.mp4' }],
  'videos.remove': [{}, { id: 'x' }, { id: 1, deleteFile: true }],
  'videos.tools': [{ x: 1 }],
  'videos.proxy': [{}, { id: 0 }, { id: 1, x: 1 }],
  'videos.makeProxy': [{}, { id: 'a' }],
  'reviews.open': [{}, { caseId: 1 }, { videoId: 1 }, { caseId: 1, videoId: 0 }, { caseId: 1, videoId: 1, reviewer: 'someone' }],
  'reviews.get': [{}, { id: 0 }],
  'reviews.list': [{}, { caseId: -3 }],
  'reviews.update': [{}, { id: 1, lastFrameIndex: -1 }, { id: 1, lastFrameIndex: 1.5 }, { id: 1, status: 'final' }, { id: 1, finalisedAt: '2026-01-01' }],
  'reviews.checklist': [{}, { id: 0 }, { id: 1, force: true }],
  'reviews.finalise': [{}, { id: 'x' }, { id: 1, finalisedBy: 'someone else' }],
  'reviews.reopen': [{ id: 1 }, { id: 1, reason: '' }, { id: 1, reason: '   ' }, { id: 1, reason: 'x'.repeat(1001) }],
  'frames.capture': [
    {},
    { reviewId: 1, frameIndex: 0, mediaTime: 0 },
    { reviewId: 1, frameIndex: -1, mediaTime: 0, data: new Uint8Array(8) },
    { reviewId: 1, frameIndex: 1.5, mediaTime: 0, data: new Uint8Array(8) },
    { reviewId: 1, frameIndex: 0, mediaTime: -0.1, data: new Uint8Array(8) },
    { reviewId: 1, frameIndex: 0, mediaTime: 0, data: 'iVBORw0KGgo=' },
    { reviewId: 0, frameIndex: 0, mediaTime: 0, data: new Uint8Array(8) },
    { reviewId: 1, frameIndex: 0, mediaTime: 0, data: new Uint8Array(8), videoId: 1 },
  ],
  'frames.listForReview': [{}, { reviewId: 'x' }, { reviewId: 0 }, { reviewId: 1, kind: 'still' }],
  'reports.preview': [{}, { reviewId: 0 }, { reviewId: 1, options: { fields: { surgeon: 'yes' } } }, { reviewId: 1, options: { paperSize: 'A3' } }, { reviewId: 1, options: { fields: { password: true } } }],
  'reports.export': [
    { reviewId: 1, folder: '/tmp' },
    { reviewId: 1, folder: '/tmp', formats: [] },
    { reviewId: 1, folder: '/tmp', formats: ['docx'] },
    { reviewId: 1, folder: '/tmp', formats: ['pdf', 'pdf'] },
    { reviewId: 1, folder: '', formats: ['pdf'] },
    { reviewId: 1, folder: '   ', formats: ['pdf'] },
    { reviewId: 1, folder: 'x'.repeat(4097), formats: ['pdf'] },
    { reviewId: 'a', folder: '/tmp', formats: ['pdf'] },
    { reviewId: 1, folder: '/tmp', formats: ['pdf'], options: { thinking: true } },
    { folder: '/tmp', formats: ['pdf'] },
  ],
  'reports.cancel': [{}, { jobId: '' }, { jobId: 7 }, { jobId: 'x'.repeat(101) }],
  'clips.export': [
    {},
    { reviewId: 1, folder: '/tmp' },
    { reviewId: 1, folder: '', options: { fromFrame: 0, toFrame: 10 } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 10, toFrame: 5 } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: -1, toFrame: 5 } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 0, toFrame: 5, holdSeconds: -1 } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 0, toFrame: 5, speed: 2 } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 0, toFrame: 5, caption: 'names' } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 0, toFrame: 5, audio: true, speed: 0.5 } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 0, toFrame: 5, redact: [{ x: 0.9, y: 0, w: 0.5, h: 0.1 }] } },
    { reviewId: 1, folder: '/tmp', options: { fromFrame: 0, toFrame: 5, path: '/etc/passwd' } },
  ],
  'clips.cancel': [{}, { jobId: '' }, { jobId: 7 }, { jobId: 'x'.repeat(101) }],
  'timeline.start': [
    {},
    { reviewId: 1 },
    { reviewId: 0, everySeconds: 5 },
    { reviewId: 1, everySeconds: 0 },
    { reviewId: 1, everySeconds: 0.5 },
    { reviewId: 1, everySeconds: 601 },
    { reviewId: 1, everySeconds: '5' },
    { reviewId: 1, everySeconds: 5, method: 'grammar' },
    { reviewId: 1, everySeconds: 5, sampling: 'keyframes' },
    { reviewId: 1, everySeconds: 5, extra: true },
  ],
  'timeline.pause': [{}, { reviewId: 0 }, { reviewId: '1' }, { reviewId: 1, now: true }],
  'timeline.resume': [{}, { reviewId: -1 }, { reviewId: 1.5 }, { id: 1 }],
  'timeline.cancel': [{}, { reviewId: 0 }, { reviewId: null }, { reviewId: 1, keep: false }],
  'timeline.get': [{}, { reviewId: 0 }, { videoId: 1 }, { reviewId: 1, samples: true }],
  'rubrics.list': [{ all: true }],
  'rubrics.import': [{}, { text: '' }, { text: 'x'.repeat(1024 * 1024 + 1) }, { text: '{}', fileName: 'x'.repeat(256) }, { path: '/etc/passwd' }],
  'assessments.get': [{}, { reviewId: 0 }, { reviewId: '1' }],
  'assessments.setRubric': [{}, { reviewId: 1 }, { reviewId: 1, rubricId: '', rubricVersion: 1 }, { reviewId: 1, rubricId: 'x', rubricVersion: 0 }, { reviewId: 1, rubricId: 'x', rubricVersion: 1.5 }],
  'assessments.score': [
    {},
    { reviewId: 1 },
    { reviewId: 1, stepId: '' },
    { reviewId: 1, stepId: 'incision', value: 2.5 },
    { reviewId: 1, stepId: 'incision', value: 'skipped' },
    { reviewId: 1, stepId: 'incision', comment: 'x'.repeat(4001) },
    { reviewId: 1, stepId: 'incision', moment: { frameIndex: -1, mediaTime: 0 } },
    { reviewId: 1, stepId: 'incision', segmentId: 0 },
    { reviewId: 1, stepId: 'incision', kind: 'assessor' },
  ],
  'assessments.setFocus': [{}, { reviewId: 1 }, { reviewId: 1, focus: 'x'.repeat(4001) }, { reviewId: 1, focus: 3 }],
  'trainees.list': [{ surgeon: 'x' }],
  'trainees.get': [{}, { surgeon: '' }, { surgeon: '   ' }, { surgeon: 'x'.repeat(121) }],
  'teaching.get': [{}, { reviewId: 0 }, { reviewId: '1' }],
  'teaching.setMode': [{}, { reviewId: 1 }, { reviewId: 1, on: 'yes' }, { reviewId: 1, on: true, role: 'attending' }],
  'teaching.respond': [
    {},
    { reviewId: 1, target: {}, seen: 'a', nextStep: 'b' },
    { reviewId: 1, target: { frameId: 1, segmentId: 2 }, seen: 'a', nextStep: 'b' },
    { reviewId: 1, target: { frameId: 1 }, seen: '  ', nextStep: 'b' },
    { reviewId: 1, target: { frameId: 1 }, seen: 'a', nextStep: 'x'.repeat(5001) },
    { reviewId: 1, target: { frameId: 1 }, seen: 'a', nextStep: 'b', author: 'Dr. Okafor' },
  ],
  'teaching.reveal': [{}, { reviewId: 1, target: {} }, { reviewId: 1, target: { segmentId: 0 } }],
  'department.status': [{ url: 'https://x' }],
  'department.connect': [
    {},
    { url: 'https://review.hospital.example', username: 'rhea' },
    { url: 'http://review.hospital.example', username: 'rhea', password: 'p' },
    { url: 'ftp://review.hospital.example', username: 'rhea', password: 'p' },
    { url: 'https://rhea:secret@review.hospital.example', username: 'rhea', password: 'p' },
    { url: 'https://review.hospital.example/api', username: 'rhea', password: 'p' },
    { url: 'not a url', username: 'rhea', password: 'p' },
    { url: 'https://review.hospital.example', username: ' ', password: 'p' },
    { url: 'https://review.hospital.example', username: 'rhea', password: '' },
    { url: 'https://review.hospital.example', username: 'rhea', password: 'p', remember: true },
  ],
  'department.disconnect': [{ everywhere: true }],
  'department.reviews': [{ limit: 5 }],
  'department.publish': [{}, { reviewId: 0 }, { reviewId: '3' }, { reviewId: 3, force: true }],
  'department.cancelPublish': [{}, { jobId: '' }, { jobId: 'x'.repeat(101) }],
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
