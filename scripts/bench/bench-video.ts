// `npm run bench:video -- [--seconds 20] [--seeks 20] [--steps 30] [--files a,b] [--skip-analysis] [--json]`
// The review player in Debian Chromium against the real browser host, with each file's scrub proxy, on the benchmark videos
// (make-bench-videos.ts: H.264 GOP 250 with B-frames, H.264 GOP 30, VP9): per file
//   - random seek → the exact frame on screen, p50/p95, drawn from the scrub proxy (a bare <video> seek of the original beside it);
//   - ±1 frame step, p50/p95, without the cache (every step seeks the video) and with it (steps drawn from
//     WebCodecs-decoded frames, at key-repeat pace after the prefetch around a jump has settled);
//   - capture → stored: the frame encoded as PNG at 1920×1080 and stored through the API (ms, median);
//   - a click on the timeline dock → the exact frame under the pointer painted, p50/p95 (the frame cache on, as the
//     reviewer has it);
// and once, on the GOP 30 file with the generated tiny model: pause → first token painted, minus the model's own
// time to first token (the app's overhead: capture, store, queue, image preparation, events).
// Every measured frame is checked: its pixels carry the frame number (block code), which must be the one asked for.
// Prints a table, or with --json one JSON object as the last line:
// {files: [{name, gop, width, height, cache_mb, seek_p50_ms, seek_p95_ms, step_p50_ms, step_p95_ms, step_cached_p95_ms, capture_ms, dock_click_p50_ms, dock_click_p95_ms}], pause_to_first_token_overhead_ms}
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { ensureTestModel } from '../../tests/fixtures/test-model';
import { makeTestVideo, REPO_ROOT, type TestVideo } from '../../tests/fixtures/videos';
import { jsonAwareLog, printJsonLine, runBench } from './cli';
import { BENCH_VIDEOS } from './make-bench-videos';
import { percentile as pct, r1 } from './stats';
import {
  bareVideoSeeks,
  captureParts,
  clearMeasures,
  frameOnScreen,
  openBenchPage,
  playThenPause,
  reviewPlayer,
  rng,
  timedCapture,
  timedDockClick,
  timedFirstToken,
  timedGoTo,
} from './video-page';
import { startBenchWorkstation, type BenchWorkstation } from './video-workstation';

interface FileResult {
  name: string;
  gop: number;
  width: number;
  height: number;
  /** The frame cache's memory after the cached steps (MiB; frames kept at screen size, within the budget). */
  cache_mb: number;
  seek_p50_ms: number;
  seek_p95_ms: number;
  /** The same seeks on a bare <video> (seek → seeked, no confirmation): the player's overhead is the difference. */
  seek_bare_video_p50_ms: number;
  seek_bare_video_p95_ms: number;
  step_p50_ms: number;
  step_p95_ms: number;
  step_cached_p50_ms: number;
  step_cached_p95_ms: number;
  /** The first step right after a jump, before the prefetch has run (the frame is decoded on demand). */
  step_first_after_seek_p50_ms: number;
  capture_ms: number;
  /** A click on the timeline dock → the frame under the pointer confirmed on screen and painted. */
  dock_click_p50_ms: number;
  dock_click_p95_ms: number;
  cache_capacity_frames: number;
  wrong_frames: number;
}

type Player = ReturnType<typeof reviewPlayer>;
type Log = (...message: unknown[]) => void;

/** Seeks, steps without and with the frame cache, and captures on one benchmark video, every frame checked. */
async function measureFile(page: Page, player: Player, log: Log, f: { name: string; video: TestVideo }, videoId: number, seekCount: number, stepCount: number): Promise<FileResult> {
  const n = f.video.frameCount;
  log(`\n${f.name}: ${n} frames, GOP ${f.video.spec.gop}`);
  await player.open(videoId);
  let wrong = 0;
  const check = async (k: number, r: { shown: number | null }) => {
    const onScreen = await frameOnScreen(page);
    if (r.shown !== k || onScreen !== k) {
      wrong++;
      log(`  frame ${k}: index says ${r.shown}, pixels say ${onScreen}`);
    }
  };
  const random = rng(n * 31 + f.video.spec.gop);
  const pick = (lo = 0, hi = n) => lo + Math.floor(random() * (hi - lo));

  // 1. Random seeks as the review makes them: drawn from the scrub proxy (the frame cache decodes it; a keyframe
  // every 10 frames), each the exact frame; the bare <video> seeks of the original below are the comparison.
  await player.cache(true);
  const seeks: number[] = [];
  const seekTargets: number[] = [];
  const seekPaths = new Map<string, number[]>();
  for (let i = 0; i < seekCount; i++) {
    const k = pick();
    seekTargets.push(k);
    const r = await timedGoTo(page, k, 'seek');
    seeks.push(r.ms);
    seekPaths.set(r.path ?? 'unknown', [...(seekPaths.get(r.path ?? 'unknown') ?? []), r.ms]);
    await check(k, r);
  }
  // Which path painted each jump (the proxy's frames through the cache, or the original's <video>), with its median.
  log(`  seeks (frame: ms): ${seekTargets.map((k, i) => `${k}: ${Math.round(seeks[i]!)}`).join(', ')}`);
  log(`  seeks by path: ${[...seekPaths].map(([p, ms]) => `${p} ${ms.length} (p50 ${r1(pct(ms, 50))} ms)`).join(', ')}`);
  // The same seeks on a bare <video> of the same file (seek → seeked), for the player's overhead.
  const raw = await bareVideoSeeks(page, seekTargets, `/media/videos/${videoId}`);
  log(`  seek p50 ${r1(pct(seeks, 50))} ms, p95 ${r1(pct(seeks, 95))} ms (bare <video> seek → seeked: p50 ${r1(pct(raw, 50))} ms, p95 ${r1(pct(raw, 95))} ms)`);

  // 2. ±1 steps without the cache: every step is a seek of the original to the middle of the next frame.
  await player.cache(false);
  const steps: number[] = [];
  const plainSteps = Math.max(4, Math.round(stepCount / 3));
  for (let round = 0; round < 2; round++) {
    const start = pick(plainSteps, n - plainSteps);
    await timedGoTo(page, start, 'seek');
    for (let i = 1; i <= plainSteps / 2; i++) {
      const k = start + (round === 0 ? i : -i);
      const r = await timedGoTo(page, k, 'step');
      steps.push(r.ms);
      await check(k, r);
    }
  }
  log(`  step (no cache) p50 ${r1(pct(steps, 50))} ms, p95 ${r1(pct(steps, 95))} ms`);

  // 3. ±1 steps with the frame cache, at key-repeat pace (one step every 33 ms at most), after a jump's
  // prefetch has settled; then the same backwards from another jump.
  await player.cache(true);
  const cached: number[] = [];
  const firstSteps: number[] = [];
  const slow: string[] = [];
  for (const dir of [1, -1]) {
    for (let round = 0; round < 2; round++) {
      const start = dir > 0 ? pick(0, n - stepCount - 1) : pick(stepCount + 1, n);
      await timedGoTo(page, start, 'seek');
      // The first step right after the jump (the cache is decoding around it, or not yet).
      const first = await timedGoTo(page, start + dir, 'step');
      firstSteps.push(first.ms);
      await check(start + dir, first);
      await player.idle();
      for (let i = 2; i <= stepCount; i++) {
        const k = start + dir * i;
        const r = await timedGoTo(page, k, 'step');
        cached.push(r.ms);
        if (r.ms > 50) slow.push(`${k}${dir > 0 ? '→' : '←'} ${Math.round(r.ms)} ms (${r.path})`);
        await check(k, r);
        if (r.ms < 33) await new Promise((res) => setTimeout(res, 33 - r.ms));
      }
    }
  }
  const cacheState = (await player.state()).cache as { capacity: number; state: string; reason: string | null };
  const cacheBytes = await page.evaluate(() => (window as unknown as { __workstationPlayer?: { cacheStats(): { bytes: number } | null } }).__workstationPlayer?.cacheStats()?.bytes ?? 0);
  const capacity = cacheState.capacity;
  if (cacheState.state !== 'on') log(`  frame cache ${cacheState.state}: ${cacheState.reason}`);
  if (slow.length) log(`  cached steps over 50 ms: ${slow.join(', ')}`);
  log(`  step (cache, ${capacity} frames) p50 ${r1(pct(cached, 50))} ms, p95 ${r1(pct(cached, 95))} ms; first step after a jump p50 ${r1(pct(firstSteps, 50))} ms (${firstSteps.map((ms, i) => `${i < 2 ? '→' : '←'} ${Math.round(ms)}`).join(', ')} ms)`);

  // 4. Capture → stored (1920×1080 PNG through frames.capture).
  const captures: number[] = [];
  await clearMeasures(page);
  for (let i = 0; i < 5; i++) {
    const k = pick();
    await timedGoTo(page, k, 'seek');
    const ms = await timedCapture(page);
    captures.push(ms);
  }
  const parts = await captureParts(page);
  log(
    `  capture → stored median ${r1(pct(captures, 50))} ms (PNG encode ${r1(pct(parts.encode, 50))} ms, ${(pct(parts.bytes, 50) / 1024 / 1024).toFixed(1)} MB; store through the API ${r1(pct(parts.store, 50))} ms)`,
  );

  // 5. Clicks on the timeline dock (the whole video in view): pointer down → the frame under it painted.
  const clicks: number[] = [];
  for (let i = 0; i < seekCount; i++) {
    const r = await timedDockClick(page, pick());
    clicks.push(r.ms);
    await check(r.asked, r);
  }
  log(`  timeline dock click → exact frame painted p50 ${r1(pct(clicks, 50))} ms, p95 ${r1(pct(clicks, 95))} ms`);

  return {
    name: f.name,
    gop: f.video.spec.gop,
    width: f.video.width,
    height: f.video.height,
    cache_mb: r1(cacheBytes / 1024 / 1024),
    seek_p50_ms: r1(pct(seeks, 50)),
    seek_p95_ms: r1(pct(seeks, 95)),
    seek_bare_video_p50_ms: r1(pct(raw, 50)),
    seek_bare_video_p95_ms: r1(pct(raw, 95)),
    step_p50_ms: r1(pct(steps, 50)),
    step_p95_ms: r1(pct(steps, 95)),
    step_cached_p50_ms: r1(pct(cached, 50)),
    step_cached_p95_ms: r1(pct(cached, 95)),
    step_first_after_seek_p50_ms: r1(pct(firstSteps, 50)),
    capture_ms: r1(pct(captures, 50)),
    dock_click_p50_ms: r1(pct(clicks, 50)),
    dock_click_p95_ms: r1(pct(clicks, 95)),
    cache_capacity_frames: capacity,
    wrong_frames: wrong,
  };
}

/** Pause → first token on the review of `videoId`, minus the model's own time to first token: the median of 3 tries, in ms. */
async function pauseToFirstTokenOverhead(ws: BenchWorkstation, page: Page, player: Player, log: Log, videoId: number): Promise<number | null> {
  const model = await ensureTestModel(224);
  await ws.call('inference.load', { modelPath: model.modelPath, mmprojPath: model.mmprojPath, device: 'cpu', contextSize: 4096 });
  await player.open(videoId);
  const overheads: number[] = [];
  const random = rng(4242);
  for (let i = 0; i < 3; i++) {
    // Play, pause (like a reviewer), then A on the paused frame.
    await playThenPause(page, 300 + Math.floor(random() * 700));
    const t = await timedFirstToken(page);
    // Wait for the analysis to finish, then read the model's own time to first token.
    let a: { status: string; timings: { timeToFirstTokenMs: number | null } } | undefined;
    for (let w = 0; w < 600; w++) {
      a = (await ws.call<Array<typeof a>>('analysis.list', { frameId: t.frameId })).find((x) => x && x.status !== 'queued');
      if (a && a.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (a?.timings.timeToFirstTokenMs != null) overheads.push(t.firstToken - a.timings.timeToFirstTokenMs);
    log(`  pause → first token ${r1(t.firstToken)} ms (frame stored after ${t.captured === null ? '?' : r1(t.captured)} ms), model's own time to first token ${a?.timings.timeToFirstTokenMs ?? '?'} ms`);
  }
  return overheads.length ? r1(pct(overheads, 50)) : null;
}

/** The results as a table (to stdout, or to stderr under --json). */
function printTable(log: Log, results: FileResult[], overhead: number | null, seconds: number, chromiumVersion: string): void {
  const head = ['file', 'GOP', 'size', 'cache MB', 'seek p50', 'seek p95', 'step p50', 'step p95', 'cached p50', 'cached p95', '1st step', 'capture', 'dock p50', 'dock p95', 'wrong'];
  const rows = results.map((r) => [
    r.name,
    String(r.gop),
    `${r.width}×${r.height}`,
    String(r.cache_mb),
    ...[r.seek_p50_ms, r.seek_p95_ms, r.step_p50_ms, r.step_p95_ms, r.step_cached_p50_ms, r.step_cached_p95_ms, r.step_first_after_seek_p50_ms, r.capture_ms, r.dock_click_p50_ms, r.dock_click_p95_ms].map((x) => `${x} ms`),
    String(r.wrong_frames),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  log(`\nVideo review benchmark (${seconds} s files, 4K up to 8 s; Chromium ${chromiumVersion}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  log(line(head));
  for (const r of rows) log(line(r));
  log(`pause → first token overhead beyond model time: ${overhead ?? 'not measured'} ms`);
  log('Targets: cached step p95 < 50 ms (4K included); seek p95 < 150 ms at any GOP; first step after a jump < 100 ms.');
}

async function main() {
  const { values: v } = parseArgs({
    options: {
      seconds: { type: 'string', default: '20' },
      seeks: { type: 'string', default: '20' },
      steps: { type: 'string', default: '30' },
      files: { type: 'string' },
      'skip-analysis': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const seconds = Number(v.seconds);
  const seekCount = Number(v.seeks);
  const stepCount = Number(v.steps);
  const log = jsonAwareLog(v.json);
  const rendererDir = path.join(REPO_ROOT, 'dist', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('Build the renderer first: npm run build');

  const wanted = v.files ? new Set(v.files.split(',')) : null;
  const specs = BENCH_VIDEOS(seconds).filter((b) => !wanted || wanted.has(b.name));
  log(`Generating or reusing ${specs.length} benchmark videos (1920×1080, ${seconds} s)…`);
  const files = [];
  for (const b of specs) files.push({ ...b, video: await makeTestVideo(b.spec) });

  const ws = await startBenchWorkstation(rendererDir);
  const { browser, page } = await openBenchPage(ws.url);
  const caseId = (await ws.call<{ id: number }>('cases.create', { code: 'BENCH-VIDEO', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' })).id;
  const player = reviewPlayer(page, caseId, (channel, input) => ws.call(channel, input));

  const results: FileResult[] = [];
  let gop30VideoId: number | null = null;
  for (const f of files) {
    const videoId = await ws.importVideo(caseId, f.video.file);
    if (f.name === 'h264-gop30') gop30VideoId = videoId;
    results.push(await measureFile(page, player, log, f, videoId, seekCount, stepCount));
  }

  // 5. Pause → first token: the app's overhead beyond the model's own time to first token.
  let overhead: number | null = null;
  if (!v['skip-analysis'] && gop30VideoId !== null) overhead = await pauseToFirstTokenOverhead(ws, page, player, log, gop30VideoId);

  const chromiumVersion = browser.version();
  await browser.close();
  await ws.close();

  printTable(log, results, overhead, seconds, chromiumVersion);
  printJsonLine(v.json, { files: results, pause_to_first_token_overhead_ms: overhead, load_average: os.loadavg().map((l) => Math.round(l * 100) / 100) });
  if (results.some((r) => r.wrong_frames > 0)) process.exitCode = 1;
}

runBench(main, (err) => (err as Error).stack ?? String(err));
