// The inference path end to end below the UI: real services, the real inference process (forked), the tiny
// generated gemma3 model through node-llama-cpp + the mtmd addon, and the rows that land in SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel, ensureTinyVariant } from '../fixtures/test-model';

type Status = EventPayload<'analysis.status'>;
const finished = (s: Status) => s.status === 'completed' || s.status === 'cancelled' || s.status === 'failed';

describe('analysis through the inference process', () => {
  let s: TestServices;
  let caseId: number;
  let frameId: number;
  let model: { modelPath: string; mmprojPath: string };

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = startTestServices();
    caseId = (await s.call('cases.create', { code: 'AN-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' })).id;
    frameId = (await s.call('frames.addImage', { caseId, fileName: 'still.png', data: makePng(320, 180, 3) })).id;
  });
  afterAll(async () => {
    await s?.close();
  });

  async function analyse(input: { frameId: number; maxTokens?: number; prompt?: string }, during?: (jobId: string) => void | Promise<void>) {
    const { jobId } = await s.call('analysis.start', input);
    await during?.(jobId);
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    const tokens = s.events.filter((e) => e.name === 'analysis.token' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { text: string }).text);
    return { jobId, end, tokens };
  }

  it('says clearly that no model is loaded', async () => {
    await expect(s.call('analysis.start', { frameId })).rejects.toThrow(/No model is loaded/);
  });

  it.each([
    ['a missing model file', async () => ({ modelPath: '/nonexistent/model.gguf', mmprojPath: model.mmprojPath }), /was not found/],
    ['a GGUF of another architecture', async () => ({ modelPath: await ensureTinyVariant('llama-arch'), mmprojPath: model.mmprojPath }), /"llama" model; this workstation needs a Gemma 3/],
    ['a truncated GGUF', async () => ({ modelPath: await ensureTinyVariant('truncated-text'), mmprojPath: model.mmprojPath }), /is incomplete/],
    ['an mmproj whose projector is not gemma3', async () => ({ modelPath: model.modelPath, mmprojPath: await ensureTinyVariant('mmproj-wrong-projector') }), /"mlp" projector/],
    ['an mmproj with the wrong projection size', async () => ({ modelPath: model.modelPath, mmprojPath: await ensureTinyVariant('mmproj-wrong-projection') }), /do not belong together.*48.*64/],
    ['the text model given as the mmproj', async () => ({ modelPath: model.modelPath, mmprojPath: model.modelPath }), /not a vision projector/],
    ['the mmproj given as the model', async () => ({ modelPath: model.mmprojPath, mmprojPath: model.mmprojPath }), /is a vision projector \(mmproj\), not the text model/],
  ])('refuses %s with a clear message and stays without a model', async (_name, files, message) => {
    await expect(s.call('inference.load', { ...(await files()), device: 'cpu', contextSize: 2048 })).rejects.toThrow(message);
    expect((await s.call('inference.status', {})).state).toBe('no-model');
  });

  it('loads the model and reports the device it really runs on', async () => {
    const mark = s.events.length;
    const st = await s.call('inference.load', { ...model, device: 'auto', contextSize: 2048 });
    expect(st.state).toBe('ready');
    expect(st.loadSteps).toBeUndefined();
    // While it loaded, the status named each step as it began, in order, and timed the ones done.
    const loading = s.events.slice(mark).filter((e) => e.name === 'inference.status').map((e) => e.payload as EventPayload<'inference.status'>).filter((x) => x.state === 'loading');
    const running = loading.map((x) => x.loadSteps?.find((step) => step.state === 'running')?.id);
    expect([...new Set(running)]).toEqual(['starting', 'checking', 'runtime', 'weights']);
    const last = loading.at(-1)!.loadSteps!;
    expect(last.map((x) => x.state)).toEqual(['done', 'done', 'done', 'running']);
    expect(last.every((x) => x.ms !== null && x.ms >= 0)).toBe(true);
    expect(last.map((x) => x.label)[3]).toBe('Loading the weights and the vision projector');
    expect(st.device?.backend).toBe('cpu');
    // This machine has no GPU (at most a Vulkan loader with no device): the app must say it runs on the CPU.
    expect(st.device?.fallbackReason).toMatch(/no GPU device|No usable GPU/i);
    expect(st.model?.imageSize).toBe(224);
    expect((await s.call('settings.get', {})).modelPath).toBe(model.modelPath);
    // The device line names the CPU threads in use: the tests' 1 (WORKSTATION_THREADS), or the reviewer's choice.
    expect(st.device?.names[0]).toMatch(/\(1 thread\)$/);
    await s.call('settings.update', { cpuThreads: 2 });
    try {
      const two = await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
      expect(two.device?.names[0]).toMatch(/\(2 threads\)$/);
    } finally {
      await s.call('settings.update', { cpuThreads: null });
      await s.call('inference.load', { ...model, device: 'auto', contextSize: 2048 }); // back to the tests' one thread
    }
    await expect(s.call('settings.update', { cpuThreads: 0 })).rejects.toThrow(/at least one thread/);
  });

  it('streams tokens and stores one complete row with provenance', async () => {
    const { end, tokens } = await analyse({ frameId, maxTokens: 24 });
    expect(end.status).toBe('completed');
    expect(tokens.length).toBeGreaterThan(3);
    const a = end.analysis!;
    expect(a.rawText).toBe(tokens.join(''));
    expect(a.rawText.length).toBeGreaterThan(0);
    expect(a.prompt).toBe(SEED_PROMPT);
    expect(a.params).toEqual({ maxTokens: 24, temperature: 0 });
    expect(a.timings.generatedTokens).toBe(24);
    expect(a.timings.encodeMs).toBeGreaterThan(0);
    expect(a.provenance.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.provenance.mmprojFile).toBe('tiny-gemma3-mmproj-224.gguf');
    expect(a.provenance.device).toMatch(/^cpu/);
    expect(a.provenance.llamaCppRelease).toMatch(/^v\d/);
    expect(a.structured).toBe(false); // random weights never write the headers: kept whole as the answer
    expect(a.answer).toBe(a.rawText.trim());
    const listed = await s.call('analysis.list', { frameId });
    expect(listed[0]).toEqual(a);
  });

  it('says how long an analysis takes here, from the ones that ran with this model on this device', async () => {
    const stored = (await s.call('analysis.list', { frameId })).filter((a) => a.status === 'completed');
    const mine = stored.filter((a) => a.provenance.device === stored[0]!.provenance.device);
    const e = (await s.call('analysis.expected', {}))!;
    expect(e.basedOn).toBe(mine.length);
    expect(e.device).toBe(mine[0]!.provenance.device);
    expect(e.onCpu).toBe(true);
    const totals = mine.map((a) => a.timings.totalMs).sort((x, y) => x - y);
    expect(e.analysisMs).toBe(totals.length % 2 ? totals[(totals.length - 1) / 2] : (totals[totals.length / 2 - 1]! + totals[totals.length / 2]!) / 2);
    expect(e.encodeMs).toBeGreaterThan(0);
    // Another device line (another thread count) has no measurements yet: nothing is guessed.
    await s.call('settings.update', { cpuThreads: 2 });
    try {
      await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
      expect(await s.call('analysis.expected', {})).toBeNull();
    } finally {
      await s.call('settings.update', { cpuThreads: null });
      await s.call('inference.load', { ...model, device: 'auto', contextSize: 2048 });
    }
    expect((await s.call('analysis.expected', {}))!.basedOn).toBe(mine.length);
  });

  it('is greedy: the same frame gives the same text', async () => {
    const one = await analyse({ frameId, maxTokens: 16 });
    const two = await analyse({ frameId, maxTokens: 16 });
    expect(two.end.analysis!.rawText).toBe(one.end.analysis!.rawText);
  });

  it('queues a second analysis behind the first and reports its position', async () => {
    const first = await s.call('analysis.start', { frameId, maxTokens: 200 });
    const second = await s.call('analysis.start', { frameId, maxTokens: 8 });
    expect(second.queuePosition).toBeGreaterThanOrEqual(1);
    const q = await s.waitFor('analysis.status', (p) => p.jobId === second.jobId && p.status === 'queued');
    expect(q.queuePosition).toBe(1);
    const a = await s.waitFor('analysis.status', (p) => p.jobId === first.jobId && finished(p));
    const b = await s.waitFor('analysis.status', (p) => p.jobId === second.jobId && finished(p));
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    expect(a.analysis!.completedAt <= b.analysis!.completedAt).toBe(true);
  });

  it('cancels during generation; the row says cancelled; the next analysis works', async () => {
    const { end, tokens } = await analyse({ frameId, maxTokens: 4000 }, async (jobId) => {
      await s.waitFor('analysis.token', (p) => p.jobId === jobId);
      await s.call('analysis.cancel', { jobId });
    });
    expect(end.status).toBe('cancelled');
    expect(end.analysis!.status).toBe('cancelled');
    expect(end.analysis!.timings.generatedTokens).toBeLessThan(4000);
    expect(end.analysis!.rawText).toBe(tokens.join(''));
    const next = await analyse({ frameId, maxTokens: 8 });
    expect(next.end.status).toBe('completed');
  });

  it('cancels a queued analysis without storing anything', async () => {
    const before = (await s.call('analysis.list', { frameId })).length;
    const first = await s.call('analysis.start', { frameId, maxTokens: 300 });
    const second = await s.call('analysis.start', { frameId, maxTokens: 8 });
    expect((await s.call('analysis.cancel', { jobId: second.jobId })).cancelled).toBe(true);
    const end = await s.waitFor('analysis.status', (p) => p.jobId === second.jobId && finished(p));
    expect(end.status).toBe('cancelled');
    await s.waitFor('analysis.status', (p) => p.jobId === first.jobId && finished(p));
    expect((await s.call('analysis.list', { frameId })).length).toBe(before + 1);
  });

  it('refuses non-images, empty files and 8000×8000 images when they are added, and stores nothing', async () => {
    const before = (await s.call('frames.list', { caseId })).length;
    await expect(s.call('frames.addImage', { caseId, fileName: 'notes.txt', data: new TextEncoder().encode('hello, not an image') })).rejects.toThrow(/not a PNG or JPEG/);
    await expect(s.call('frames.addImage', { caseId, fileName: 'empty.png', data: new Uint8Array(0) })).rejects.toThrow(/empty/i);
    // A real PNG header claiming 8000×8000 (the pixels are never allocated).
    const big = makePng(8, 8);
    const view = new DataView(big.buffer, big.byteOffset);
    view.setUint32(16, 8000);
    view.setUint32(20, 8000);
    await expect(s.call('frames.addImage', { caseId, fileName: 'huge.png', data: big })).rejects.toThrow(/8000×8000|8000 x 8000|8000x8000/);
    expect((await s.call('frames.list', { caseId })).length).toBe(before);
  });

  it('fails an analysis of a damaged image with the reason, and the next one works', async () => {
    const png = makePng(64, 64, 9);
    const damaged = png.slice(0, Math.floor(png.length * 0.6));
    const f = await s.call('frames.addImage', { caseId, fileName: 'damaged.png', data: damaged });
    const { end } = await analyse({ frameId: f.id, maxTokens: 8 });
    expect(end.status).toBe('failed');
    expect(end.message).toMatch(/damaged|corrupt|could not be decoded|truncated/i);
    expect(end.analysis?.rawText ?? '').toBe('');
    expect((await analyse({ frameId, maxTokens: 8 })).end.status).toBe('completed');
  });

  it('survives the inference process being killed mid-generation: reports it, restarts, the next analysis works', async () => {
    const before = await s.call('analysis.list', { frameId });
    const pid = s.services.inference.workerPid!;
    const { end } = await analyse({ frameId, maxTokens: 4000 }, async (jobId) => {
      await s.waitFor('analysis.token', (p) => p.jobId === jobId);
      process.kill(pid, 'SIGKILL');
    });
    expect(end.status).toBe('failed');
    expect(end.message).toMatch(/model process was killed \(SIGKILL\)/);
    // Nothing half-written: the failure is one complete row without partial text.
    const after = await s.call('analysis.list', { frameId });
    expect(after.length).toBe(before.length + 1);
    expect(after[0]!.status).toBe('failed');
    expect(after[0]!.rawText).toBe('');
    await s.waitFor('inference.status', (p) => p.state === 'ready' && /killed/.test(p.message ?? ''));
    expect(s.services.inference.workerPid).not.toBe(pid);
    expect((await analyse({ frameId, maxTokens: 8 })).end.status).toBe('completed');
  });
});

describe('the 896 model (the real 256-token image path)', () => {
  let s: TestServices;
  afterAll(async () => {
    await s?.close();
  });

  it('analyses a 1080p frame, and a cancel during image encoding stops right after it', async () => {
    const model = await ensureTestModel(896);
    s = startTestServices();
    const caseId = (await s.call('cases.create', { code: 'AN-896', surgeryDate: null, eye: null, surgeon: '', notes: '' })).id;
    const frameId = (await s.call('frames.addImage', { caseId, fileName: 'hd.png', data: makePng(1920, 1080, 5) })).id;
    const st = await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    expect(st.model?.imageSize).toBe(896);

    const { jobId } = await s.call('analysis.start', { frameId, maxTokens: 4000 });
    await s.waitFor('analysis.status', (p) => p.jobId === jobId && p.status === 'running');
    await s.call('analysis.cancel', { jobId });
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p), 120_000);
    expect(end.status).toBe('cancelled');
    expect(end.analysis!.timings.generatedTokens).toBeLessThanOrEqual(1);

    const { jobId: next } = await s.call('analysis.start', { frameId, maxTokens: 12 });
    const done = await s.waitFor('analysis.status', (p) => p.jobId === next && finished(p), 120_000);
    expect(done.status).toBe('completed');
    expect(done.analysis!.timings.promptTokens).toBeGreaterThan(256);
    expect(done.analysis!.timings.generatedTokens).toBe(12);
  });
});
