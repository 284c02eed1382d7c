// The phase timeline through the real services: the generated 60 s video analysed every 5 s with the tiny generated
// model; exact frames (block code); the job survives the services closing mid-run and continues without analysing
// a frame twice; pause, resume and cancel; and a reviewer's single-frame analysis overtakes the batch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import type { TimelineSample } from '../../electron/api/schemas-timeline';
import { SEED_PROMPT } from '../../electron/inference/prompt';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';
import { ANALYSES_PER_FRAME_SQL, analysesPerFrame, openTimelineReview, type TimelineReview } from '../fixtures/timeline';
import { runVideoJob } from '../fixtures/video-jobs';
import { decodeFrameIndex } from '../fixtures/videos';

type Progress = EventPayload<'timeline.progress'>;
const EXPECTED_FRAMES = Array.from({ length: 12 }, (_, i) => i * 150); // 30 fps, every 5 s

function open(dataDir?: string): TestServices {
  return startTestServices(dataDir);
}

async function setUp(s: TestServices, code: string): Promise<TimelineReview> {
  return openTimelineReview(
    (c, i) => s.call(c, i),
    async (jobId) => (await runVideoJob(s, Promise.resolve({ jobId }))).end,
    code,
  );
}

function progressOf(s: TestServices, reviewId: number): Progress[] {
  return s.events.filter((e) => e.name === 'timeline.progress' && (e.payload as Progress).reviewId === reviewId).map((e) => e.payload as Progress);
}

const finished = (reviewId: number) => (p: Progress) => p.reviewId === reviewId && p.state === 'done';

/** The first timeline.progress after event number `mark` that matches. */
async function progressAfter(s: TestServices, mark: number, match: (p: Progress) => boolean, timeoutMs = 60_000): Promise<Progress> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const hit = s.events.slice(mark).find((e) => e.name === 'timeline.progress' && match(e.payload as Progress));
    if (hit) return hit.payload as Progress;
    if (Date.now() > until) throw new Error('Timed out waiting for timeline.progress');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function storedFrameIndex(s: TestServices, sha256: string): number | null {
  const f = s.services.resolveFrame(sha256)!;
  const png = PNG.sync.read(fs.readFileSync(f.file));
  return decodeFrameIndex(png.data, png.width, png.height, 4);
}

function analysisCounts(s: TestServices, reviewId: number): Record<number, number> {
  return analysesPerFrame(s.services.db.prepare<[number], { frame_index: number; n: number }>(ANALYSES_PER_FRAME_SQL).all(reviewId));
}

describe('phase timeline (services, ffmpeg, tiny model)', () => {
  let model: { modelPath: string; mmprojPath: string };
  let s: TestServices;
  let first: TimelineReview;

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = open();
    first = await setUp(s, 'TL-1');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses clearly without a model and changes nothing', async () => {
    await expect(s.call('timeline.start', { reviewId: first.reviewId, everySeconds: 5 })).rejects.toThrow(/No model is loaded/);
    expect((await s.call('timeline.get', { reviewId: first.reviewId })).job).toBeNull();
    await expect(s.call('timeline.pause', { reviewId: first.reviewId })).rejects.toThrow(/not been analysed yet/);
  });

  it('analyses a frame every 5 s: 12 samples, each stored PNG is the exact frame, progress with an ETA', async () => {
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    const job = await s.call('timeline.start', { reviewId: first.reviewId, everySeconds: 5 });
    expect(job).toMatchObject({ state: 'running', total: 12, done: 0, sampling: 'interval', everySeconds: 5, method: 'matcher' });
    await s.waitFor('timeline.progress', finished(first.reviewId), 180_000);

    const view = await s.call('timeline.get', { reviewId: first.reviewId });
    expect(view.job).toMatchObject({ state: 'done', total: 12, done: 12, nextSample: 12 });
    expect(view.samples.map((x) => x.time)).toEqual(EXPECTED_FRAMES.map((f) => f / 30));
    expect(view.samples.map((x) => x.frameIndex)).toEqual(EXPECTED_FRAMES);
    const frames = await s.call('frames.listForReview', { reviewId: first.reviewId });
    for (const sample of view.samples) {
      const frame = frames.find((f) => f.id === sample.frameId)!;
      expect(frame).toMatchObject({ frameIndex: sample.frameIndex, mime: 'image/png', width: 640, height: 360 });
      expect(frame.mediaTime).toBeCloseTo(sample.time, 6);
      expect(storedFrameIndex(s, frame.sha256)).toBe(sample.frameIndex);
      const [analysis] = await s.call('analysis.list', { frameId: frame.id });
      expect(analysis).toMatchObject({ id: sample.analysisId, status: 'completed', prompt: SEED_PROMPT });
      expect(sample.method).toBe('matcher');
      // The random tiny model writes no surgical words: no phase, and the sample says so rather than guessing.
      expect(sample.phase).toBeNull();
    }
    expect(Object.values(analysisCounts(s, first.reviewId))).toEqual(Array(12).fill(1));

    const events = progressOf(s, first.reviewId);
    const withSample = events.filter((e) => e.sample);
    expect(withSample.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(withSample.every((e) => e.total === 12 && e.etaSeconds !== null)).toBe(true);
    expect(withSample.at(-1)!.etaSeconds).toBe(0);
  });

  it('says before it starts how many samples and how long, from the analyses that ran here; stored samples count as done', async () => {
    const e = (await s.call('analysis.expected', {}))!;
    expect(e.basedOn).toBe(12);
    expect(e.onCpu).toBe(true);
    // Every 5 s again: 12 samples, all analysed already, so nothing left to wait for.
    const again = await s.call('timeline.estimate', { reviewId: first.reviewId, everySeconds: 5 });
    expect(again).toMatchObject({ samples: 12, atMost: false, alreadyDone: 12, perSampleMs: e.analysisMs, totalMs: 0, basedOn: 12, onCpu: true });
    // Every 2 s: 30 samples (0, 2, … 58 s); frames 0, 300, 600, 900, 1200 and 1500 (at 0, 10, 20… s) are stored already.
    const denser = await s.call('timeline.estimate', { reviewId: first.reviewId, everySeconds: 2 });
    expect(denser).toMatchObject({ samples: 30, alreadyDone: 6 });
    expect(denser.totalMs).toBe(Math.round(e.analysisMs * 24));
    const scene = await s.call('timeline.estimate', { reviewId: first.reviewId, everySeconds: 10, sampling: 'scene' });
    expect(scene).toMatchObject({ samples: 6, atMost: true });
  });

  it('analysing again at the same interval reuses every stored sample (no new analysis)', async () => {
    const mark = s.events.length;
    const job = await s.call('timeline.start', { reviewId: first.reviewId, everySeconds: 5 });
    expect(job.done).toBe(12);
    await progressAfter(s, mark, finished(first.reviewId));
    expect(Object.values(analysisCounts(s, first.reviewId))).toEqual(Array(12).fill(1));
  });

  it("a reviewer's single-frame analysis requested mid-run starts before the batch's queued frames", async () => {
    // A second review whose frames are already captured (copied from the first): no ffmpeg wait, so the batch keeps
    // an analysis queued behind the running one, and the reviewer's request has something to overtake.
    const second = await setUp(s, 'TL-2');
    const firstFrames = await s.call('frames.listForReview', { reviewId: first.reviewId });
    for (const f of firstFrames) {
      const data = new Uint8Array(fs.readFileSync(s.services.resolveFrame(f.sha256)!.file));
      await s.call('frames.capture', { reviewId: second.reviewId, frameIndex: f.frameIndex!, mediaTime: f.mediaTime!, data });
    }
    const still = await s.call('frames.addImage', { caseId: second.caseId, fileName: 'still.png', data: makePng(320, 180, 5) });

    await s.call('timeline.start', { reviewId: second.reviewId, everySeconds: 5 });
    await s.waitFor('timeline.progress', (p) => p.reviewId === second.reviewId && p.done >= 1, 60_000);
    type Status = EventPayload<'analysis.status'>;
    const statusAt = (i: number) => (s.events[i]!.name === 'analysis.status' ? (s.events[i]!.payload as Status) : null);
    let overtaken = 0;
    for (let attempt = 0; attempt < 5 && overtaken === 0; attempt++) {
      for (let i = 0; i < 300 && (await s.call('inference.status', {})).queued < 1; i++) await new Promise((r) => setTimeout(r, 10));
      const { jobId } = await s.call('analysis.start', { frameId: still.id });
      await s.waitFor('analysis.status', (p) => p.jobId === jobId && p.status === 'completed', 60_000);
      // From the moment the reviewer's analysis joined the queue, it is the next one to run; the batch's analyses
      // that were waiting then run after it.
      const queuedAt = s.events.findIndex((e, i) => statusAt(i)?.jobId === jobId && (e.payload as Status).status === 'queued');
      expect(queuedAt).toBeGreaterThan(-1);
      const firstRun = s.events.findIndex((_, i) => i > queuedAt && statusAt(i)?.status === 'running');
      expect(statusAt(firstRun)!.jobId).toBe(jobId);
      const waiting = new Set<string>();
      for (let i = 0; i < queuedAt; i++) {
        const st = statusAt(i);
        if (st?.jobId.startsWith('timeline-') && st.status === 'queued') waiting.add(st.jobId);
        if (st?.jobId.startsWith('timeline-') && st.status !== 'queued') waiting.delete(st.jobId);
      }
      overtaken += waiting.size;
    }
    expect(overtaken).toBeGreaterThanOrEqual(1);
    await s.waitFor('timeline.progress', finished(second.reviewId), 120_000);
    expect(Object.values(analysisCounts(s, second.reviewId))).toEqual(Array(12).fill(1));
  });
});

describe('phase timeline across a restart, pause, resume and cancel', () => {
  let model: { modelPath: string; mmprojPath: string };
  let dataDir: string;
  let s: TestServices;
  let review: TimelineReview;

  beforeAll(async () => {
    model = await ensureTestModel(224);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'timeline-restart-'));
    s = open(dataDir);
    review = await setUp(s, 'TL-R');
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('closing the services mid-run keeps the job running; reopened, it finishes without analysing any frame twice', async () => {
    await s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 5 });
    await s.waitFor('timeline.progress', (p) => p.reviewId === review.reviewId && p.done >= 4, 120_000);
    await s.close();

    s = open(dataDir); // the same library: the job was left running, so it continues by itself
    const after = await s.call('timeline.get', { reviewId: review.reviewId });
    expect(after.job?.state).toBe('running');
    const storedBefore = after.samples.length;
    expect(storedBefore).toBeGreaterThanOrEqual(4);
    expect(storedBefore).toBeLessThan(12);
    await s.waitFor('timeline.progress', finished(review.reviewId), 180_000);
    const view = await s.call('timeline.get', { reviewId: review.reviewId });
    expect(view.samples.map((x) => x.frameIndex)).toEqual(EXPECTED_FRAMES);
    const counts = analysisCounts(s, review.reviewId);
    expect(Object.keys(counts).map(Number).sort((a, b) => a - b)).toEqual(EXPECTED_FRAMES);
    expect(Object.values(counts)).toEqual(Array(12).fill(1));
    // The samples stored before the restart are the same rows (not analysed again).
    expect(view.samples.slice(0, storedBefore).map((x) => x.id)).toEqual(after.samples.map((x) => x.id));
  });

  it('pause stops without half-stored rows, resume continues, cancel keeps the samples, and starting again reuses them', async () => {
    const mark = s.events.length;
    await s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 2.5 });
    const begun = (await s.call('timeline.get', { reviewId: review.reviewId })).job!;
    expect(begun.total).toBe(24);
    expect(begun.done).toBe(12); // the 12 samples at 0, 5, 10 … s are kept
    await progressAfter(s, mark, (p) => p.reviewId === review.reviewId && p.done >= 14, 120_000);
    const paused = await s.call('timeline.pause', { reviewId: review.reviewId });
    expect(paused.state).toBe('paused');
    await new Promise((r) => setTimeout(r, 1500));
    const still = await s.call('timeline.get', { reviewId: review.reviewId });
    expect(still.job!.state).toBe('paused');
    const frozen = still.samples.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await s.call('timeline.get', { reviewId: review.reviewId })).samples.length).toBe(frozen);
    const cancelledRows = s.services.db.prepare("SELECT count(*) FROM analyses WHERE status != 'completed'").pluck().get();
    expect(cancelledRows).toBe(0);

    const resumedAt = s.events.length;
    expect((await s.call('timeline.resume', { reviewId: review.reviewId })).state).toBe('running');
    await progressAfter(s, resumedAt, (p) => p.reviewId === review.reviewId && p.done >= frozen + 2, 120_000);
    const cancelled = await s.call('timeline.cancel', { reviewId: review.reviewId });
    expect(cancelled.state).toBe('cancelled');
    await expect(s.call('timeline.resume', { reviewId: review.reviewId })).rejects.toThrow(/cancelled/);
    await new Promise((r) => setTimeout(r, 1000));
    const kept = (await s.call('timeline.get', { reviewId: review.reviewId })).samples;
    expect(kept.length).toBeGreaterThanOrEqual(frozen + 2);
    expect(kept.length).toBeLessThan(24);

    const restart = s.events.length;
    await s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 2.5 });
    await progressAfter(s, restart, (p) => finished(review.reviewId)(p) && p.done === 24, 180_000);
    const all: TimelineSample[] = (await s.call('timeline.get', { reviewId: review.reviewId })).samples;
    expect(all.map((x) => x.frameIndex)).toEqual(Array.from({ length: 24 }, (_, i) => i * 75));
    expect(all.filter((x) => kept.some((k) => k.id === x.id))).toHaveLength(kept.length);
    expect(Object.values(analysisCounts(s, review.reviewId))).toEqual(Array(24).fill(1));
    expect(s.services.db.prepare("SELECT count(*) FROM analyses WHERE status != 'completed'").pluck().get()).toBe(0);
  });

  it('the model process dying mid-run costs a retry of one frame, not the job', async () => {
    const mark = s.events.length;
    await s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 3 });
    await progressAfter(s, mark, (p) => p.reviewId === review.reviewId && p.sample !== null, 120_000);
    const pid = s.services.inference.workerPid!;
    process.kill(pid, 'SIGKILL');
    const end = await progressAfter(s, mark, (p) => p.reviewId === review.reviewId && p.state !== 'running', 180_000);
    expect(end).toMatchObject({ state: 'done', done: 20, total: 20 });
    expect(s.services.inference.workerPid).not.toBe(pid);
    const counts = analysisCounts(s, review.reviewId);
    expect(Math.max(...Object.values(counts))).toBe(1);
    expect(s.services.db.prepare("SELECT count(*) FROM analyses WHERE status != 'completed'").pluck().get()).toBe(0);
  });

  it('samples at scene changes: the opening frame and each cut, at most one per interval', async () => {
    const mark = s.events.length;
    const job = await s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 5, sampling: 'scene' });
    expect(job).toMatchObject({ sampling: 'scene', total: 0 }); // planned after a pass over the video
    const end = await progressAfter(s, mark, (p) => p.reviewId === review.reviewId && p.state !== 'running', 120_000);
    expect(end.state).toBe('done');
    const view = await s.call('timeline.get', { reviewId: review.reviewId });
    expect(view.samples[0]).toMatchObject({ time: 0, frameIndex: 0 });
    // The generated picture changes its pattern once, a little after 34 s (ffmpeg's scene score > 0.3).
    expect(view.samples.length).toBeGreaterThanOrEqual(2);
    for (const x of view.samples) expect(x.frameIndex).toBe(Math.round(x.time * 30));
    expect(s.events.slice(mark).some((e) => e.name === 'timeline.progress' && /scene changes/.test((e.payload as Progress).message ?? ''))).toBe(true);
  });

  it('refuses a final review', async () => {
    await s.call('settings.update', { reviewerName: 'Dr. Lindqvist', reviewerRole: 'attending' });
    await s.call('reviews.finalise', { id: review.reviewId });
    await expect(s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 5 })).rejects.toThrow(
      /finalised by Dr\. Lindqvist \(Attending surgeon\) on .* and is locked\. Reopen it \(with a reason\) to analyse the video/,
    );
    await s.call('reviews.reopen', { id: review.reviewId, reason: 'More samples needed.' });
  });
});

describe('phase timeline without ffmpeg', () => {
  it('says clearly that ffmpeg is needed and changes nothing', async () => {
    const saved = process.env.WORKSTATION_FFMPEG;
    process.env.WORKSTATION_FFMPEG = 'none';
    const s = open();
    try {
      const review = await setUp(s, 'TL-NOFF');
      await expect(s.call('timeline.start', { reviewId: review.reviewId, everySeconds: 5 })).rejects.toThrow(
        /No ffmpeg was found on this computer, so the timeline cannot take frames from the video\. Install ffmpeg/,
      );
      expect(await s.call('timeline.get', { reviewId: review.reviewId })).toEqual({ job: null, samples: [] });
    } finally {
      if (saved === undefined) delete process.env.WORKSTATION_FFMPEG;
      else process.env.WORKSTATION_FFMPEG = saved;
      await s.close();
    }
  });
});
