// `npm run analyze-video`: a review's timeline in a library (stored, resumable) and a plain file to JSON; usage errors.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices } from '../fixtures/services';
import { ensureTestModel, REPO_ROOT } from '../fixtures/test-model';
import { ANALYSES_PER_FRAME_SQL, openTimelineReview, TIMELINE_VIDEO } from '../fixtures/timeline';
import { runVideoJob } from '../fixtures/video-jobs';
import { makeTestVideo } from '../fixtures/videos';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'analyze-video.ts');

function cli(...args: string[]) {
  const r = spawnSync(TSX, [SCRIPT, ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function cliAsync(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, err }));
  });
}

/** Runs the CLI until it has printed `lines` progress lines, then sends SIGINT; resolves with its exit code. */
function cliInterrupted(args: string[], lines: number): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (!sent && (err.match(/^\[ *\d+\/\d+\]/gm) ?? []).length >= lines) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    child.on('close', (code) => resolve({ code, err }));
  });
}

describe('analyze-video CLI', () => {
  let tiny: { modelPath: string; mmprojPath: string };
  let work: string;
  beforeAll(async () => {
    tiny = await ensureTestModel(224);
    await makeTestVideo(TIMELINE_VIDEO);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'analyze-video-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('exits 2 with a clear message and the usage for wrong arguments', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Say what to analyse: --data DIR --review ID, or --video FILE/],
      [['--video', 'v.mp4', '--model', 'm', '--mmproj', 'p'], /--out FILE.json is required/],
      [['--data', '/x', '--review', '1', '--every', '0.2'], /--every must be a number of seconds from 1 to 600/],
      [['--data', '/x', '--review', '1', '--method', 'grammar'], /--method must be one of matcher, followup, auto/],
      [['--data', '/nonexistent-library', '--review', '1'], /There is no library in \/nonexistent-library/],
    ];
    const results = await Promise.all(cases.map(([args]) => cliAsync(args)));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i]!.code, args.join(' ')).toBe(2);
      expect(results[i]!.err).toMatch(message);
      expect(results[i]!.err).toMatch(/Usage:/);
    }
  }, 120_000);

  it('runs a review\'s timeline in a library, stored with the review; run again, it analyses nothing twice', async () => {
    const dataDir = path.join(work, 'library');
    const s = startTestServices(dataDir);
    const review = await openTimelineReview((c, i) => s.call(c, i), async (jobId) => (await runVideoJob(s, Promise.resolve({ jobId }))).end, 'CLI-1');
    await s.call('inference.load', { ...tiny, device: 'cpu', contextSize: 2048 }); // the library remembers the model
    await s.close();

    const interrupted = await cliInterrupted(['--data', dataDir, '--review', String(review.reviewId), '--every', '10'], 2);
    expect(interrupted.code).toBe(130);
    expect(interrupted.err).toMatch(/Paused\. Run the same command again/);

    const r = cli('--data', dataDir, '--review', String(review.reviewId), '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/Resuming review \d+: 6 samples \(every 10 s\), [2-5] already stored, phases by matcher\./);
    const out = JSON.parse(r.out.trim().split('\n').at(-1)!) as { job: { state: string; done: number }; samples: Array<{ frameIndex: number; phase: string | null }> };
    expect(out.job).toMatchObject({ state: 'done', done: 6 });
    expect(out.samples.map((x) => x.frameIndex)).toEqual([0, 300, 600, 900, 1200, 1500]);

    const again = cli('--data', dataDir, '--review', String(review.reviewId));
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/6 samples, 0 with a phase\./);
    const check = startTestServices(dataDir);
    try {
      const counts = check.services.db.prepare<[number], { frame_index: number; n: number }>(ANALYSES_PER_FRAME_SQL).all(review.reviewId);
      expect(counts.map((c) => c.n)).toEqual([1, 1, 1, 1, 1, 1]);
    } finally {
      await check.close();
    }
  }, 240_000);

  it('analyses a plain file into a JSON file, continuing after an interruption', async () => {
    const video = await makeTestVideo(TIMELINE_VIDEO);
    const out = path.join(work, 'timeline.json');
    const args = ['--video', video.file, '--model', tiny.modelPath, '--mmproj', tiny.mmprojPath, '--device', 'cpu', '--every', '15', '--out', out];
    const first = await cliInterrupted(args, 1);
    expect(first.code).toBe(130);
    const partial = JSON.parse(fs.readFileSync(out, 'utf8')) as { complete: boolean; samples: unknown[] };
    expect(partial.complete).toBe(false);
    expect(partial.samples.length).toBeGreaterThanOrEqual(1);

    const r = cli(...args, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/4 samples \(every 15 s\), [1-3] already in timeline\.json/);
    const result = JSON.parse(fs.readFileSync(out, 'utf8')) as { complete: boolean; video: { frameCount: number }; samples: Array<{ time: number; frameIndex: number; method: string; phase: string | null; answer: string }> };
    expect(JSON.parse(r.out.trim().split('\n').at(-1)!)).toEqual(result);
    expect(result.complete).toBe(true);
    expect(result.video.frameCount).toBe(1800);
    expect(result.samples.map((x) => [x.time, x.frameIndex])).toEqual([
      [0, 0],
      [15, 450],
      [30, 900],
      [45, 1350],
    ]);
    expect(result.samples.every((x) => x.method === 'matcher' && x.answer.length > 0)).toBe(true);

    // A different --every is another timeline: refused rather than mixed.
    const other = cli('--video', video.file, '--model', tiny.modelPath, '--mmproj', tiny.mmprojPath, '--every', '5', '--out', out);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/exists and is not a timeline of this video with these options/);
  }, 180_000);

  it('says clearly when there is no ffmpeg', async () => {
    const video = await makeTestVideo(TIMELINE_VIDEO);
    const r = spawnSync(TSX, [SCRIPT, '--video', video.file, '--model', tiny.modelPath, '--mmproj', tiny.mmprojPath, '--out', path.join(work, 'x.json')], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
      env: { ...process.env, WORKSTATION_FFMPEG: 'none' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No ffmpeg was found on this computer, so the timeline cannot take frames from the video\. Install ffmpeg/);
  });
});
