// Issue 16: recordings as operating rooms write them, through the real UI in Chromium: an H.264 MKV plays without
// conversion, a recording whose timestamps start at 10 s shows time from its first frame (scrub bar, go to by time,
// a time past the end refused), captures have ffmpeg's colours (tagged BT.601 and BT.709, untagged) whether the
// <video> or the frame cache painted the frame, and a 4K file steps and captures its exact full-size frames.
import { execFileSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestVideo, type TestVideoSpec } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, captureWithKey, createCase, expectOnScreen, goTo, openCase, openReview, reviewId, setFrameCache, stepKeys, storedFrameIndex, waitSettled, waitSettledWithin } from './video-helpers';

describe('Recordings (browser host + Chromium)', () => {
  let app: App;

  beforeAll(async () => {
    app = await launchApp();
    await createCase(app, 'REC-E2E');
    await openCase(app.page, 'REC-E2E');
  });
  afterAll(async () => {
    await app?.close();
  });

  async function caseIdOf(code: string): Promise<number> {
    const cases = (await app.t.call('cases.list', {})).body.value as Array<{ id: number; code: string }>;
    return cases.find((c) => c.code === code)!.id;
  }

  async function backToCase() {
    await app.page.getByTestId('review-back').click();
    await app.page.getByTestId('videos-panel').waitFor();
  }
  // A test that failed inside a review leaves the next one where it starts: in the case, with its videos.
  afterEach(async () => {
    if (await app.page.getByTestId('review-back').isVisible()) await backToCase();
  });

  it('H.264 in MKV: added as it is (no conversion), frame-exact, captured', async () => {
    const { page } = app;
    const mkv = await makeTestVideo({ container: 'mkv', durationSeconds: 3, gop: 30 });
    await addVideo(page, mkv.file);
    const name = mkv.file.split('/').pop()!;
    const row = page.locator(`[data-testid="video-row"][data-file-name="${name}"]`);
    expect(await row.textContent()).not.toMatch(/Converted from/);
    await openReview(page, name);
    for (const k of [47, 48, 46, 89, 0]) {
      await goTo(page, k);
      await expectOnScreen(page, k);
    }
    await goTo(page, 30);
    await expectOnScreen(page, 30);
    await stepKeys(page, 3);
    await expectOnScreen(page, 33);
    const shot = await captureWithKey(app, page, await reviewId(page));
    expect((await storedFrameIndex(app, shot.sha256)).index).toBe(33);
    await backToCase();
  });

  it('timestamps starting at 10 s: times from the first frame on the scrub bar, the timecode and go to', async () => {
    const { page } = app;
    const late = await makeTestVideo({ startSeconds: 10, durationSeconds: 5, fps: '25', gop: 25 });
    await addVideo(page, late.file);
    await openReview(page, late.file.split('/').pop()!);
    await goTo(page, 0);
    await expectOnScreen(page, 0);
    expect(await page.getByTestId('timecode').textContent()).toBe('00:00:00.000');
    // The toolbar's facts give the length from the first frame (5 s), not the last timestamp (15 s).
    expect(await page.getByTestId('review-facts').textContent()).toMatch(/· 00:00:05$/);
    // Go to by time counts from the first frame: 2.5 s in is frame 62 (2.48–2.52 s), not frame 0.
    await goTo(page, '00:00:02.500');
    await expectOnScreen(page, 62);
    expect(await page.getByTestId('timecode').textContent()).toBe('00:00:02.480');
    // Past the end: said so, nothing moves.
    await goTo(page, '00:00:07.000');
    expect(await page.getByTestId('goto-error').textContent()).toMatch(/past the end of the video: it runs from 00:00:00\.000 to 00:00:05\.000/);
    await waitSettled(page, 62);
    // The scrub bar spans the first frame to the end: its start is frame 0, its middle frame 62.
    const bar = page.getByTestId('scrub-bar');
    await bar.scrollIntoViewIfNeeded();
    const box = (await bar.boundingBox())!;
    // (Clicked on the bottom lane, as the workspace e2e does: the segment and phase lanes take their own clicks.)
    await page.mouse.click(box.x + 0.5, box.y + box.height - 8);
    await expectOnScreen(page, 0);
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height - 8);
    // The middle pixel is frame 61, 62 or 63 (a pixel spans about 0.12 frames); wait for the seek to land there
    // (the frame shown before the click is settled too).
    expect(Math.abs((await waitSettledWithin(page, 61, 63)) - 62)).toBeLessThanOrEqual(1);
    // The fitted timeline spans 0–5 s (from the first frame), not 0–15 s.
    expect(Number(await bar.getAttribute('data-view-start'))).toBe(0);
    expect(box.width / Number(await bar.getAttribute('data-pps'))).toBeCloseTo(5, 1);
    // The capture keeps the exact media time.
    await goTo(page, 100);
    await expectOnScreen(page, 100);
    const shot = await captureWithKey(app, page, await reviewId(page));
    expect(shot.mediaTime).toBeCloseTo(14, 4);
    await backToCase();
  });

  /** Mean absolute difference per channel between a stored capture and ffmpeg's decode of the same frame. */
  async function captureVsFfmpeg(sha256: string, file: string, k: number, ffmpegArgs: string[]): Promise<number[]> {
    const res = await fetch(`http://127.0.0.1:${app.t.host.port}/media/frames/${sha256}`, { headers: { Authorization: `Bearer ${app.t.host.token}` } });
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    const ref = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${k})${ffmpegArgs.length ? `,${ffmpegArgs.join(',')}` : ''}`, '-vsync', 'passthrough', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
    expect(ref.length).toBe(png.width * png.height * 3);
    const sums = [0, 0, 0];
    for (let i = 0; i < png.width * png.height; i++) for (let c = 0; c < 3; c++) sums[c]! += Math.abs(png.data[i * 4 + c]! - ref[i * 3 + c]!);
    return sums.map((x) => x / (png.width * png.height));
  }

  const colourCases: Array<[string, TestVideoSpec, string[]]> = [
    ['tagged BT.601', { colour: 'bt601' }, []],
    ['tagged BT.709', { colour: 'bt709' }, []],
    ['untagged SD (the rule: BT.601)', {}, []],
    ['untagged HD (the rule: BT.709)', { width: 1280, height: 720 }, ['scale=in_color_matrix=bt709:in_range=tv']],
  ];
  it.each(colourCases)('%s: captures from the <video> and from the frame cache have ffmpeg’s colours (MAD ≤ 1.5)', async (_name, spec, ffmpegArgs) => {
    const { page } = app;
    const v = await makeTestVideo({ ...spec, durationSeconds: 2, pattern: 'gradients', gop: 30 });
    await addVideo(page, v.file);
    await openReview(page, v.file.split('/').pop()!);
    const id = await reviewId(page);
    // The cache path: a step drawn from the frame cache.
    await goTo(page, 20);
    await expectOnScreen(page, 20);
    await page.waitForFunction(() => document.querySelector('[data-testid="frame-cache-status"]')?.getAttribute('data-state') === 'on');
    await stepKeys(page, 1);
    const cached = await captureWithKey(app, page, id);
    expect(cached.frameIndex).toBe(21);
    // The <video> path.
    await setFrameCache(page, false);
    await goTo(page, 40);
    await expectOnScreen(page, 40);
    const viaVideo = await captureWithKey(app, page, id);
    // Both were converted by the app's rule from the frame's YUV planes, not by the browser.
    const by = await page.evaluate(() => performance.getEntriesByName('review:capture-encode').map((e) => (e as PerformanceMeasure).detail as { colourBy: string; source: string }));
    expect(by.slice(-2)).toEqual([{ bytes: expect.any(Number), source: 'cache', colourBy: 'rule' }, { bytes: expect.any(Number), source: 'video', colourBy: 'rule' }]);
    for (const [shot, k] of [[cached, 21], [viaVideo, 40]] as const) {
      const mad = await captureVsFfmpeg(shot.sha256, v.file, k, ffmpegArgs);
      for (const c of mad) expect(c, `frame ${k}: ${mad.map((m) => m.toFixed(2)).join(', ')}`).toBeLessThanOrEqual(1.5);
    }
    await setFrameCache(page, true);
    await backToCase();
  });

  it('long GOP with its scrub proxy: jumps drawn from the proxy at once, the full-size frame shown when stopped, captured from the original', async () => {
    const { page } = app;
    const v = await makeTestVideo({ width: 1280, height: 720, durationSeconds: 8, gop: 240, fps: '30' });
    await addVideo(page, v.file);
    const name = v.file.split('/').pop()!;
    const videos = (await app.t.call('videos.list', { caseId: await caseIdOf('REC-E2E') })).body.value as Array<{ id: number; fileName: string }>;
    const id = videos.find((x) => x.fileName === name)!.id;
    for (let i = 0; i < 600; i++) {
      if (((await app.t.call('videos.proxy', { id })).body.value as { state: string }).state === 'ready') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(((await app.t.call('videos.proxy', { id })).body.value as { state: string; width: number }).state).toBe('ready');
    await openReview(page, name);
    // The cache starts decoding forward from frame 0 at once. A jump far ahead must not wait for that job to decode
    // every frame up to it (it did: 1.5–7.8 s jumps in bench:video): it restarts at the keyframe before the frame.
    const received = () => page.evaluate(() => (window as unknown as { __workstationPlayer: { cacheStats(): { received: number } | null } }).__workstationPlayer.cacheStats()?.received ?? 0);
    await page.waitForFunction(() => ((window as unknown as { __workstationPlayer: { cacheStats(): { received: number } | null } }).__workstationPlayer.cacheStats()?.received ?? 0) > 0, null, { timeout: 30_000 });
    const before = await received();
    await goTo(page, 200);
    await expectOnScreen(page, 200);
    expect(await received(), `frames decoded on the way from the cache's start (${before} before the jump) to frame 200`).toBeLessThan(before + 60);
    for (const k of [200, 17, 131, 239, 64]) {
      await goTo(page, k);
      await expectOnScreen(page, k);
      // Drawn from the proxy (the frame cache decodes it), not by seeking the long-GOP original.
      expect(await page.getByTestId('frame-index').getAttribute('data-path')).toBe('cache');
    }
    // Stopped: the original's full-size frame replaces the proxy's.
    await page.waitForFunction(() => document.querySelector('[data-testid="frame-index"]')?.getAttribute('data-source') === 'video', null, { timeout: 30_000 });
    await expectOnScreen(page, 64);
    await stepKeys(page, -2);
    await expectOnScreen(page, 62);
    const shot = await captureWithKey(app, page, await reviewId(page));
    expect(await storedFrameIndex(app, shot.sha256)).toEqual({ index: 62, width: 1280, height: 720 });
    await stepKeys(page, 1);
    await expectOnScreen(page, 63);
    // A jump past a forward job parked a window ahead (the cache full from 63 on): the parked job is cancelled at once,
    // not woken by the new playhead to decode on (bench:video traced it producing 37 more frames, 0.8 s, before the
    // jump's own job began: its loop ran on microtasks while the cancel waited in the worker's message queue).
    const decodedDuringJump = await page.evaluate(async () => {
      type Hook = { goTo(k: number, how: 'seek'): void; whenSettled(): Promise<void>; cacheIdle(): Promise<void>; cacheStats(): { received: number } | null };
      const p = (window as unknown as { __workstationPlayer: Hook }).__workstationPlayer;
      await p.cacheIdle();
      const before = p.cacheStats()?.received ?? 0;
      p.goTo(230, 'seek');
      await p.whenSettled();
      return (p.cacheStats()?.received ?? 0) - before;
    });
    await expectOnScreen(page, 230);
    // Here 7 frames before the fix (37 on bench:video's 20-s 1080p file), 2 with it: the jump's frame and the next.
    expect(decodedDuringJump, 'frames the decoder delivered between the jump and its frame on screen').toBeLessThanOrEqual(4);
    await backToCase();
  }, 180_000);

  it('4K (3840×2160): exact frames by seeking and stepping, the full-size frame captured', async () => {
    const { page } = app;
    const uhd = await makeTestVideo({ width: 3840, height: 2160, durationSeconds: 1, gop: 15, preset: 'ultrafast', text: false });
    await addVideo(page, uhd.file);
    await openReview(page, uhd.file.split('/').pop()!);
    for (const k of [20, 7, 29]) {
      await goTo(page, k);
      await expectOnScreen(page, k, 60_000);
    }
    await goTo(page, 10);
    await expectOnScreen(page, 10, 60_000);
    await stepKeys(page, 2);
    await expectOnScreen(page, 12);
    const shot = await captureWithKey(app, page, await reviewId(page));
    expect(await storedFrameIndex(app, shot.sha256)).toEqual({ index: 12, width: 3840, height: 2160 });
    // The cache keeps frames at screen size, within its budget.
    const stats = await page.evaluate(() => (window as unknown as { __workstationPlayer: { cacheStats(): { bytes: number; frames: number } | null } }).__workstationPlayer.cacheStats());
    if (stats && stats.frames > 0) expect(stats.bytes / stats.frames).toBeLessThan(3840 * 2160 * 4);
    await backToCase();
  }, 240_000);
  it('one surgery in three files: joined in the panel, exact frames on both sides of each join, captured in surgery time', async () => {
    const { page } = app;
    const parts = [
      await makeTestVideo({ durationSeconds: 1.5, firstFrame: 0, gop: 30 }),
      await makeTestVideo({ durationSeconds: 1.5, firstFrame: 45, gop: 30 }),
      await makeTestVideo({ durationSeconds: 1, firstFrame: 90, gop: 30 }),
    ];
    await page.getByTestId('parts-open').click();
    await page.getByTestId('parts-paths').fill(parts.map((p) => p.file).join('\n'));
    await expect.poll(() => page.getByTestId('parts-join').textContent()).toBe('Join 3 parts and add');
    await page.getByTestId('parts-join').click();
    const joinedName = `${parts[0]!.file.split('/').pop()!.replace(/\.mp4$/, '')}-joined.mp4`;
    const row = page.locator(`[data-testid="video-row"][data-file-name="${joinedName}"]`);
    await row.waitFor({ timeout: 60_000 });
    await page.getByTestId('video-job').waitFor({ state: 'detached', timeout: 60_000 });
    expect(await row.getByTestId('video-parts').textContent()).toBe(`Joined from 3 parts: ${parts.map((p) => p.file.split('/').pop()).join(', ')}`);
    expect(await row.textContent()).toMatch(/120 frames/);
    const videoId = Number(await row.getAttribute('data-video-id'));
    const pts = ((await app.t.call('videos.timeline', { id: videoId })).body.value as { pts: number[] }).pts;
    await openReview(page, joinedName);
    // The timeline dock marks where each file after the first starts.
    expect(await page.getByTestId('dock-join').evaluateAll((els) => els.map((e) => [e.getAttribute('data-frame-index'), e.getAttribute('title')]))).toEqual([
      ['45', `Part 2 starts here (frame 45): ${parts[1]!.file.split('/').pop()}`],
      ['90', `Part 3 starts here (frame 90): ${parts[2]!.file.split('/').pop()}`],
    ]);
    await page.getByTestId('timeline-dock').screenshot({ path: 'test-results/recording-parts-dock.png' });
    // Across each join, by seeking and by stepping both ways.
    for (const k of [44, 45, 89, 90, 119]) {
      await goTo(page, k);
      await expectOnScreen(page, k);
    }
    await goTo(page, 43);
    await stepKeys(page, 4); // 44, 45 (part 2), 46, 47
    await expectOnScreen(page, 47);
    await goTo(page, 91);
    await stepKeys(page, -3); // 90, 89 (part 2), 88
    await expectOnScreen(page, 88);
    await goTo(page, 45);
    await expectOnScreen(page, 45);
    const shot = await captureWithKey(app, page, await reviewId(page));
    expect((await storedFrameIndex(app, shot.sha256)).index).toBe(45);
    // Part 2 starts 1.5 s into the surgery: its first frame's media time is the joined video's, 1.5 s after frame 0.
    expect(shot.mediaTime! - pts[0]!).toBeCloseTo(1.5, 3);
    await backToCase();
  });
});
