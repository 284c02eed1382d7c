// Driving the review player page for bench:video (bench-video.ts): Chromium, the player's test hooks
// (window.__workstationPlayer, window.__workstationReview), timed navigations, the frame number the pixels on
// screen carry, the bare <video> seeks, captures and the pause → first token measurement. Everything here runs
// in, or talks to, the page; the measurements and the report are in bench-video.ts.
import { chromium, type Browser, type Page } from 'playwright-core';
import { frameIndexOnScreen } from '../../tests/fixtures/frame-on-screen';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'];

export { seededRandom as rng } from '../../tests/fixtures/random';

/** The frame number the pixels on screen carry (canvas when the cache drew it, else the video). */
export const frameOnScreen = frameIndexOnScreen;

type PlayerHook = {
  goTo(k: number, how: 'step' | 'seek'): void;
  whenSettled(): Promise<void>;
  getState(): { index: number; shownIndex: number | null; settled: boolean; lastPath: string | null; cache: { capacity: number } };
  setCacheEnabled(on: boolean): Promise<void>;
  cacheIdle(): Promise<void>;
};

/** One navigation, timed in the page: request → frame k confirmed on screen. */
/** A navigation that has not settled after this long is reported as stuck (with the player's state), not waited on. */
export const SETTLE_LIMIT_MS = 20_000;

export async function timedGoTo(page: Page, k: number, how: 'step' | 'seek'): Promise<{ ms: number; shown: number | null; path: string | null }> {
  const r = await page.evaluate(
    async ([k, how, limit]) => {
      const p = (window as unknown as { __workstationPlayer: PlayerHook }).__workstationPlayer;
      const t0 = performance.now();
      p.goTo(k as number, how as 'step' | 'seek');
      const settled = await Promise.race([p.whenSettled().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), limit as number))]);
      // Painted: the next rendering opportunity after the frame was confirmed and drawn.
      if (settled) await new Promise((r) => requestAnimationFrame(r));
      const ms = performance.now() - t0;
      const s = p.getState();
      return { ms, shown: s.shownIndex, path: s.lastPath, stuck: settled ? null : JSON.stringify(s) };
    },
    [k, how, SETTLE_LIMIT_MS] as const,
  );
  if (r.stuck) throw new Error(`the player did not settle on frame ${k} (${how}) within ${SETTLE_LIMIT_MS / 1000} s; its state: ${r.stuck}`);
  return { ms: r.ms, shown: r.shown, path: r.path };
}


/**
 * A click on the timeline dock at frame k's middle (its position from the dock's own view: data-view-start, data-pps),
 * timed in the page from the pointer going down to frame k confirmed on screen and painted. The dock shows the whole
 * video (fitted), so on a long file one pixel spans several frames: the frame asked for is the one under the pointer.
 */
export async function timedDockClick(page: Page, k: number): Promise<{ ms: number; asked: number; shown: number | null }> {
  const track = page.getByTestId('scrub-bar');
  const at = await track.evaluate((el, n) => {
    const pts = (window as unknown as { __workstationReview: { pts: number[] } }).__workstationReview.pts;
    const start = Number(el.getAttribute('data-view-start'));
    const pps = Number(el.getAttribute('data-pps'));
    const r = el.getBoundingClientRect();
    const mid = (pts[n]! + (pts[n + 1] ?? pts[n]! + 1 / 30)) / 2;
    return { x: r.left + (mid - start) * pps, y: r.bottom - 6 };
  }, k);
  // The listener is in place before the click (a promise kept on the page, read back after the click).
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="scrub-bar"]')!;
    const p = (window as unknown as { __workstationPlayer: PlayerHook }).__workstationPlayer;
    (window as unknown as { __dockClick: Promise<unknown> }).__dockClick = new Promise((resolve) => {
      el.addEventListener(
        'pointerdown',
        () => {
          const t0 = performance.now();
          // After the dock's own handler has asked the player for the frame under the pointer.
          setTimeout(() => {
            const asked = p.getState().index;
            void p.whenSettled().then(() => requestAnimationFrame(() => resolve({ ms: performance.now() - t0, asked, shown: p.getState().shownIndex })));
          }, 0);
        },
        { once: true, capture: true },
      );
    });
  });
  await page.mouse.click(at.x, at.y);
  return page.evaluate(() => (window as unknown as { __dockClick: Promise<{ ms: number; asked: number; shown: number | null }> }).__dockClick);
}

/** Headless Chromium ($CHROMIUM_PATH, else the system one) with one page open on `url`. */
export async function openBenchPage(url: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
  // tsx keeps function names with a helper (__name) that functions evaluated in the page would call.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(url);
  return { browser, page };
}

/**
 * The review player in the page: opening the review of a video of case `caseId` at its address (#/review/<id>, the
 * id from reviews.open through `call`), and the player's test hooks.
 */
export function reviewPlayer(page: Page, caseId: number, call: <T>(channel: string, input: unknown) => Promise<T>) {
  return {
    open: async (videoId: number) => {
      const review = await call<{ id: number }>('reviews.open', { caseId, videoId });
      await page.evaluate((id) => {
        window.location.hash = `#/review/${id}`;
      }, review.id);
      await page.waitForFunction((vId) => {
        const w = window as unknown as { __workstationPlayer?: PlayerHook; __workstationReview?: { videoId: number } };
        return w.__workstationReview?.videoId === vId && !!w.__workstationPlayer && w.__workstationPlayer.getState().settled;
      }, videoId, { timeout: 60_000 });
    },
    cache: (on: boolean) => page.evaluate((on) => (window as unknown as { __workstationPlayer: PlayerHook }).__workstationPlayer.setCacheEnabled(on), on),
    /** Waits for the frame cache's prefetch to finish; reports it as stuck (with the player's state) after the limit. */
    idle: async () => {
      const stuck = await page.evaluate(async (limit) => {
        const p = (window as unknown as { __workstationPlayer: PlayerHook }).__workstationPlayer;
        const done = await Promise.race([Promise.resolve(p.cacheIdle()).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), limit))]);
        return done ? null : JSON.stringify(p.getState());
      }, SETTLE_LIMIT_MS);
      if (stuck) throw new Error(`the frame cache did not go idle within ${SETTLE_LIMIT_MS / 1000} s; the player's state: ${stuck}`);
    },
    state: () => page.evaluate(() => (window as unknown as { __workstationPlayer: PlayerHook }).__workstationPlayer.getState()),
  };
}

/** The frames `targets` sought on a bare <video> of the file at `url` (seek → seeked, no confirmation), ms each. */
export function bareVideoSeeks(page: Page, targets: number[], url: string): Promise<number[]> {
  return page.evaluate(
    async ([targets, url]) => {
      const pts = (window as unknown as { __workstationReview: { pts: number[] } }).__workstationReview.pts;
      const v = document.createElement('video');
      v.muted = true;
      v.preload = 'auto';
      v.src = url as string;
      v.style.cssText = 'position:fixed;left:0;top:0;width:320px;height:180px;opacity:0.01';
      document.body.appendChild(v);
      // Never wait for ever (a bench run once hung here on VP9): an event that does not come within the limit is an error.
      const event = (name: string, limitMs: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`bare <video>: no ${name} within ${limitMs / 1000} s (readyState ${v.readyState}, error ${v.error?.code ?? 'none'})`)), limitMs);
          v.addEventListener(name, () => (clearTimeout(timer), resolve()), { once: true });
        });
      try {
        await event('loadeddata', 20_000);
        const out: number[] = [];
        for (const k of targets as number[]) {
          const t0 = performance.now();
          const seeked = event('seeked', 10_000);
          v.currentTime = (pts[k]! + (pts[k + 1] ?? pts[k]! + 1 / 30)) / 2;
          await seeked;
          out.push(performance.now() - t0);
        }
        return out;
      } finally {
        v.remove();
      }
    },
    [targets, url] as const,
  );
}

/** Forgets the page's performance measures (before the captures whose parts are read back). */
export async function clearMeasures(page: Page): Promise<void> {
  await page.evaluate(() => performance.clearMeasures());
}

/** One capture of the frame on screen, stored through the API (review.capture without analysis), timed in the page. */
export function timedCapture(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const review = (window as unknown as { __workstationReview: { capture(analyze: boolean): Promise<unknown> } }).__workstationReview;
    const t0 = performance.now();
    await review.capture(false);
    return performance.now() - t0;
  });
}

/** The capture parts the page measured since clearMeasures: PNG encode and store times (ms) and the PNG sizes. */
export function captureParts(page: Page): Promise<{ encode: number[]; store: number[]; bytes: number[] }> {
  return page.evaluate(() => ({
    encode: performance.getEntriesByName('review:capture-encode').map((e) => e.duration),
    store: performance.getEntriesByName('review:capture-store').map((e) => e.duration),
    bytes: performance.getEntriesByName('review:capture-encode').map((e) => ((e as PerformanceMeasure).detail as { bytes: number }).bytes),
  }));
}

/** Plays for `ms`, then pauses, like a reviewer stopping on a frame. */
export async function playThenPause(page: Page, ms: number): Promise<void> {
  await page.evaluate(() => (window as unknown as { __workstationPlayer: { play(): Promise<void> } }).__workstationPlayer.play());
  await new Promise((r) => setTimeout(r, ms));
  await page.evaluate(() => (window as unknown as { __workstationPlayer: { pause(): Promise<void> } }).__workstationPlayer.pause());
}

/**
 * A on the paused frame (capture with analysis): ms until the first token is painted, the stored frame's id,
 * and ms until the frame was stored (null when the page did not measure it).
 */
export function timedFirstToken(page: Page): Promise<{ firstToken: number; frameId: number; captured: number | null }> {
  return page.evaluate(async () => {
    const review = (window as unknown as { __workstationReview: { capture(analyze: boolean): Promise<{ id: number }> } }).__workstationReview;
    // The live job's text: the streaming output (stored analyses are never aria-busy), with words in it;
    // a reply finished before a paint counts when its status says so.
    const hasToken = () => {
      const live = document.querySelector('[data-testid="analysis-stream"][aria-busy="true"]');
      if (live && live.querySelector('[data-testid="analysis-raw"], [data-testid="analysis-thinking"], [data-testid="analysis-answer"]')) return true;
      return document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status') === 'completed' && started();
    };
    let sawJob = false;
    const started = () => sawJob;
    const watch = setInterval(() => {
      const st = document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status');
      if (st === 'queued' || st === 'running' || st === 'starting') sawJob = true;
    }, 1);
    performance.clearMeasures();
    const t0 = performance.now();
    const framePromise = review.capture(true);
    await new Promise<void>((resolve) => {
      const tick = () => (hasToken() ? resolve() : requestAnimationFrame(tick));
      tick();
    });
    const firstToken = performance.now() - t0;
    clearInterval(watch);
    const frame = await framePromise;
    const stored = performance.getEntriesByName('review:capture-store')[0];
    return { firstToken, frameId: frame.id, captured: stored ? stored.startTime + stored.duration - t0 : null };
  });
}
