// Never encode the same frame twice: the image embedding is kept on disk (<data>/cache/image-embeddings), keyed by
// the frame's and the projector's sha256. Real services, the real inference process and the tiny 224 model: after a
// restart, a follow-up and a re-run of the same frame do not run the projector and give the same text; a file cut
// short is noticed and the image encoded again; the folder stays under its cap, the least recently used file going.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import type { Analysis } from '../../electron/api/schemas';
import { HEADER_BYTES } from '../../electron/inference/embedding-cache';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';

type Status = EventPayload<'analysis.status'>;
const finished = (s: Status) => s.status === 'completed' || s.status === 'cancelled' || s.status === 'failed';
const MAX_TOKENS = 16;

describe('image embeddings kept on disk', () => {
  let s: TestServices;
  let dataDir: string;
  let cacheDir: string;
  let model: { modelPath: string; mmprojPath: string };
  let caseId: number;
  let frameA: number;
  let first: Analysis;

  /** Starts (or restarts) the services on the same data folder and loads the tiny model. */
  async function restart(embeddingCacheBytes?: number): Promise<void> {
    await s?.close();
    s = startTestServices(dataDir, embeddingCacheBytes === undefined ? {} : { embeddingCacheBytes });
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
  }

  async function analyse(frameId: number): Promise<Analysis> {
    const { jobId } = await s.call('analysis.start', { frameId, maxTokens: MAX_TOKENS });
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    expect(end.status, end.message ?? '').toBe('completed');
    return end.analysis!;
  }

  const files = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => f.endsWith('.emb')).sort() : []);
  const addFrame = async (seed: number) => (await s.call('frames.addImage', { caseId, fileName: `f${seed}.png`, data: makePng(320, 180, seed) })).id;

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = startTestServices();
    dataDir = s.dataDir;
    cacheDir = path.join(dataDir, 'cache', 'image-embeddings');
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    caseId = (await s.call('cases.create', { code: 'EMB-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' })).id;
    frameA = await addFrame(21);
    first = await analyse(frameA);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('the first analysis encodes the frame and keeps its embedding as one file', async () => {
    expect(first.timings).toMatchObject({ imageEncoded: true });
    expect(first.timings.encodeMs).toBeGreaterThan(0);
    expect(first.timings.embeddingCached).toBeUndefined();
    const kept = files();
    expect(kept).toHaveLength(1);
    // Header + imageTokens × n_embd float32 (the tiny 224 model: 16 image tokens, 64 wide; MedGemma 4B: 256 × 2560).
    expect(fs.statSync(path.join(cacheDir, kept[0]!)).size).toBe(HEADER_BYTES + 16 * 64 * 4);
  });

  it('after a restart, a follow-up and a re-run of the frame do not run the projector, and the re-run gives the same text', async () => {
    await restart();
    const { jobId } = await s.call('analysis.ask', { analysisId: first.id, question: 'Which instrument is in use and where?', maxTokens: 8 });
    const asked = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    expect(asked.status).toBe('completed');
    expect(asked.turn!.timings).toMatchObject({ imageEncoded: false, embeddingCached: true, encodeMs: 0 });

    const again = await analyse(frameA);
    expect(again.timings).toMatchObject({ imageEncoded: false, embeddingCached: true, encodeMs: 0 });
    expect(again.rawText).toBe(first.rawText);
    expect(again.timings.promptTokens).toBe(first.timings.promptTokens);
    expect(files()).toHaveLength(1);
  });

  it('a file cut short is noticed: the frame is encoded again, gives the same text, and the file is whole again', async () => {
    const file = path.join(cacheDir, files()[0]!);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2));
    const again = await analyse(frameA);
    expect(again.timings.imageEncoded).toBe(true);
    expect(again.timings.encodeMs).toBeGreaterThan(0);
    expect(again.rawText).toBe(first.rawText);
    expect(fs.statSync(file).size).toBe(size);
    // A damaged value (same size) is caught by the payload's sha256 the same way.
    const bytes = fs.readFileSync(file);
    bytes[size - 3] = bytes[size - 3]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const fixed = await analyse(frameA);
    expect(fixed.timings.imageEncoded).toBe(true);
    expect(fixed.rawText).toBe(first.rawText);
  });

  it('stays under its cap: the least recently used embedding is evicted, and that frame is encoded again', async () => {
    const entry = fs.statSync(path.join(cacheDir, files()[0]!)).size;
    await restart(2 * entry + entry / 2); // room for two frames
    const [a] = files();
    const frameB = await addFrame(22);
    const frameC = await addFrame(23);

    expect((await analyse(frameB)).timings.imageEncoded).toBe(true);
    const b = files().find((f) => f !== a)!;
    expect(files()).toHaveLength(2);
    // A is used again (a hit refreshes it), so B is now the least recently used.
    expect((await analyse(frameA)).timings.embeddingCached).toBe(true);

    expect((await analyse(frameC)).timings.imageEncoded).toBe(true);
    const kept = files();
    expect(kept).toHaveLength(2);
    expect(kept).toContain(a);
    expect(kept).not.toContain(b);
    const total = kept.reduce((sum, f) => sum + fs.statSync(path.join(cacheDir, f)).size, 0);
    expect(total).toBeLessThanOrEqual(2 * entry + entry / 2);

    expect((await analyse(frameB)).timings.imageEncoded).toBe(true); // evicted: encoded again
    expect((await analyse(frameC)).timings.embeddingCached).toBe(true);
  });

  it('a cap of 0 keeps nothing and every analysis encodes', async () => {
    await restart(0);
    const before = files();
    const frameD = await addFrame(24);
    expect((await analyse(frameD)).timings.imageEncoded).toBe(true);
    expect((await analyse(frameD)).timings.imageEncoded).toBe(true);
    expect(files()).toEqual(before);
  });
});
