// Work ahead: while the local model is loaded and idle, the reviewer's captured frames are encoded into the image
// embedding cache, so analysing one later skips the encode. Real services, the real inference process and the tiny
// 224 model (idle delay 0): a capture gets its embedding in the background and its analysis reports embeddingCached;
// the reviewer's request goes first (no encode starts once it waits; one about the frame being encoded waits for it
// and uses its embedding; one about another frame, when the encode is expected to outlast a reload, ends it: the
// process is replaced and the model loaded again, not a crash); the setting turns it off; with no model or a remote
// server nothing is encoded.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import type { Analysis, Frame, InferenceStatus } from '../../electron/api/schemas';
import { isEmbeddingStored } from '../../electron/inference/embedding-cache';
import { makePng } from '../fixtures/images';
import { seedReview } from '../fixtures/review-library';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';

type Status = EventPayload<'analysis.status'>;
const finished = (p: Status) => p.status === 'completed' || p.status === 'cancelled' || p.status === 'failed';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('Timed out waiting for a condition');
    await sleep(20);
  }
}

describe('work ahead: captured frames encoded while the model is idle', () => {
  let s: TestServices;
  let model: { modelPath: string; mmprojPath: string };
  let reviewId: number;
  let caseId: number;
  let seed = 100;

  const client = () => s.services.inference;
  const load = () => s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
  const capture = (): Promise<Frame> => {
    seed++;
    return s.call('frames.capture', { reviewId, frameIndex: seed, mediaTime: seed / 30, data: makePng(640, 360, seed) });
  };
  const bytesOf = (f: Frame) => new Uint8Array(fs.readFileSync(s.services.resolveFrame(f.sha256)!.file));
  const stored = (f: Frame) => {
    const key = client().model?.embeddingKey;
    return key ? isEmbeddingStored(path.join(s.dataDir, 'cache', 'image-embeddings'), { ...key, imageSha256: f.sha256 }) : Promise.resolve(false);
  };
  const statuses = () => s.events.filter((e) => e.name === 'inference.status').map((e) => e.payload as InferenceStatus);
  /** Indices (in `events`) of the status events where an encode ahead started. */
  const encodeStarts = (events: typeof s.events) => {
    const inference = events.map((e, i) => ({ st: e.payload as InferenceStatus, i })).filter((x) => events[x.i]!.name === 'inference.status');
    return inference.filter((x, k) => x.st.encodingAhead && !inference[k - 1]?.st.encodingAhead).map((x) => x.i);
  };
  /** Lets any scheduled check run, then waits for work ahead to be done choosing and encoding. */
  const quiet = async () => {
    await sleep(150);
    await s.services.workAhead.settled();
  };
  async function analyse(frameId: number): Promise<Analysis> {
    const { jobId } = await s.call('analysis.start', { frameId, maxTokens: 8 });
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    expect(end.status, end.message ?? '').toBe('completed');
    return end.analysis!;
  }

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = startTestServices(undefined, { workAheadIdleMs: 0 });
    ({ reviewId, caseId } = seedReview(s.services.db, { frames: 0 }));
    await load();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('a request about another frame ends an encode expected to outlast a reload: the process is replaced, not crashed', async () => {
    // First in this file: the client has measured no encode of this model yet, so the caller's estimate (10 minutes)
    // is what it goes by, as for the real model on a CPU. Work ahead itself is off meanwhile.
    await s.call('settings.update', { workAhead: false });
    const [other, frame] = [await capture(), await capture()];
    const pid = client().workerPid;
    const from = s.events.length;
    const ahead = client().encodeAhead(frame.sha256, bytesOf(frame), 600_000);
    const a = await analyse(other.id);
    expect(a.timings.imageEncoded).toBe(true);
    await ahead; // null (it gave way) or, had the tiny encode won the race, its result
    expect(client().workerPid).not.toBe(pid);
    const seen = s.events.slice(from).filter((e) => e.name === 'inference.status').map((e) => (e.payload as InferenceStatus).state);
    expect(seen).toContain('loading');
    expect(seen).not.toContain('crashed');
    expect(client().status().state).toBe('ready');
    await s.call('settings.update', { workAhead: true });
  });

  it('a captured frame gets its embedding in the background; analysing it then skips the encode', async () => {
    const frame = await capture();
    await until(() => stored(frame));
    expect(statuses().some((st) => st.encodingAhead === true)).toBe(true);
    const a = await analyse(frame.id);
    expect(a.timings).toMatchObject({ imageEncoded: false, embeddingCached: true, encodeMs: 0 });
  });

  it('a request goes first: once it waits, no encode ahead starts, and the rest are encoded after it', async () => {
    await s.call('settings.update', { workAhead: false });
    const frames = [await capture(), await capture(), await capture(), await capture(), await capture()];
    const still = await s.call('frames.addImage', { caseId, fileName: 'still.png', data: makePng(320, 180, 7) });
    const from = s.events.length;
    const earlier = new Set(s.events.map((e) => e.payload));
    await s.call('settings.update', { workAhead: true });
    // As soon as the first encode ahead starts, the reviewer asks about another frame.
    await s.waitFor('inference.status', (p) => p.encodingAhead === true && !earlier.has(p));
    const { jobId } = await s.call('analysis.start', { frameId: still.id, maxTokens: 8 });
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    expect(end.status).toBe('completed');

    const after = s.events.slice(from);
    const at = (status: Status['status']) => after.findIndex((e) => e.name === 'analysis.status' && (e.payload as Status).jobId === jobId && (e.payload as Status).status === status);
    const starts = encodeStarts(after);
    expect(at('queued')).toBeGreaterThan(0);
    // The one under way when the request came, and none while it waited.
    expect(starts.filter((i) => i < at('queued'))).toHaveLength(1);
    expect(starts.filter((i) => i > at('queued') && i < at('running'))).toHaveLength(0);
    // Work ahead carries on once the model is idle again.
    for (const f of frames) await until(() => stored(f));
  });

  it('turning the setting off stops it; on again, the frame is encoded', async () => {
    await s.call('settings.update', { workAhead: false });
    await quiet();
    const from = s.events.length;
    const frame = await capture();
    await quiet();
    expect(await stored(frame)).toBe(false);
    expect(encodeStarts(s.events.slice(from))).toHaveLength(0);
    await s.call('settings.update', { workAhead: true });
    await until(() => stored(frame));
    await s.call('settings.update', { workAhead: false });
  });

  it('a request about the frame being encoded waits for it and uses its embedding (no second encode)', async () => {
    await quiet();
    const frame = await capture();
    const pid = client().workerPid;
    // An encode expected to take 10 minutes: the request still waits, since it needs this very encode.
    const ahead = client().encodeAhead(frame.sha256, bytesOf(frame), 600_000);
    const a = await analyse(frame.id);
    expect(await ahead).toMatchObject({ alreadyStored: false, stored: true });
    expect(a.timings).toMatchObject({ imageEncoded: false, embeddingCached: true });
    expect(client().workerPid).toBe(pid);
  });

  it('unloading does not wait behind an encode ahead; with no model, or a remote server, nothing is encoded', async () => {
    const dir = path.join(s.dataDir, 'cache', 'image-embeddings');
    const key = client().model!.embeddingKey!;
    const isStored = (f: Frame) => isEmbeddingStored(dir, { ...key, imageSha256: f.sha256 });
    await quiet();
    const x = await capture();
    const ahead = client().encodeAhead(x.sha256, bytesOf(x), 600_000);
    expect(client().status().encodingAhead).toBe(true);
    await s.call('inference.unload', {});
    await ahead;
    expect(client().status()).toMatchObject({ state: 'no-model' });
    await s.call('settings.update', { workAhead: true });
    const from = s.events.length;
    const a = await capture();
    await quiet();

    // A stand-in OpenAI-compatible server: it lists one model (all the remote engine's load asks for).
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'remote-model', object: 'model', owned_by: 'test' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await s.call('inference.load', { engine: 'remote', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, model: 'remote-model' });
      const b = await capture();
      await quiet();
      expect(await client().encodeAhead(b.sha256, bytesOf(b), null)).toBeNull();
      expect(encodeStarts(s.events.slice(from))).toHaveLength(0);
      expect(await isStored(a)).toBe(false);
      expect(await isStored(b)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
