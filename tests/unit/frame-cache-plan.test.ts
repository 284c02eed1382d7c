// The frame cache's scheduling decision (renderer/src/review/player/frame-cache-plan.ts): which decode job runs next.
// The decoder itself is checked end to end (video-recordings e2e) and timed by bench:video.
import { describe, expect, it } from 'vitest';
import { BACK_RUN_FRAMES, JUMP_RESTART_FRAMES, NEAR_FIRST_FRAMES, planJob, type PlanInput } from '../../renderer/src/review/player/frame-cache-plan';

/** A 600-frame video, a 150-frame cache (112 ahead), nothing cached, no job: override what a case needs. */
function input(o: Partial<PlanInput> & { cached?: number[] }): PlanInput {
  const cached = new Set(o.cached ?? []);
  const playhead = o.playhead ?? 0;
  const dir = o.dir ?? 1;
  return {
    frameCount: 600,
    playhead,
    dir,
    isCached: (k) => cached.has(k),
    aheadCount: 112,
    window: dir > 0 ? { start: Math.max(0, playhead - 37), end: Math.min(599, playhead + 111) } : { start: Math.max(0, playhead - 111), end: Math.min(599, playhead + 37) },
    around: false,
    jumped: false,
    job: null,
    ...o,
  };
}

/** A job that has produced frames up to next − 1 and runs to `end`. */
const job = (next: number, end = 599) => ({ next, covers: (k: number) => k >= next && k <= end });

describe('frame cache: the next decode job', () => {
  it('a forward jump with nothing running decodes from its frame to the end of the file', () => {
    expect(planJob(input({ playhead: 300, jumped: true }))).toEqual({ kind: 'start', start: 300, end: 599, forward: true });
  });

  it('a jump waits for the running job only when it is a few frames short of it; farther, decoding restarts at the jump', () => {
    // bench:video: jumping 10 frames ahead of a running job waited 166 ms for it, 17 frames 263 ms; a restart took 44–95 ms.
    const near = 571 + JUMP_RESTART_FRAMES;
    expect(planJob(input({ playhead: near, jumped: true, job: job(571) }))).toEqual({ kind: 'keep' });
    expect(planJob(input({ playhead: 583, jumped: true, job: job(573) }))).toEqual({ kind: 'start', start: 583, end: 599, forward: true });
    // A refill job behind a backward jump (decoding 289…337) is not waited on for frame 305 either.
    expect(planJob(input({ playhead: 305, dir: -1, jumped: true, job: job(289, 337) }))).toEqual({ kind: 'start', start: 305, end: 305, forward: false });
  });

  it('steps never restart a job that will reach their frame (holding → must not lose the decoder)', () => {
    expect(planJob(input({ playhead: 340, job: job(320) }))).toEqual({ kind: 'keep' });
  });

  it('a backward jump decodes its frame alone first', () => {
    expect(planJob(input({ playhead: 305, dir: -1, jumped: true }))).toEqual({ kind: 'start', start: 305, end: 305, forward: false });
  });

  it('going backwards (steps, J) the window fills nearest first: a short run when nothing is behind, then longer runs', () => {
    expect(planJob(input({ playhead: 400, dir: -1 }))).toEqual({ kind: 'start', start: 400 - NEAR_FIRST_FRAMES, end: 400, forward: false });
    // After a backward jump only its frame is cached: the refill behind it starts short too (the first step back waits for it).
    expect(planJob(input({ playhead: 400, dir: -1, cached: [400] }))).toEqual({ kind: 'start', start: 399 - NEAR_FIRST_FRAMES, end: 399, forward: false });
    const cached = Array.from({ length: 10 }, (_, i) => 400 - i); // 391…400 cached: the gap is 390
    expect(planJob(input({ playhead: 400, dir: -1, cached }))).toEqual({ kind: 'start', start: 390 - BACK_RUN_FRAMES, end: 390, forward: false });
  });

  it('after a jump where the next step may go either way, forward decoding starts at the window (the frames behind come almost free)', () => {
    expect(planJob(input({ playhead: 300, around: true }))).toEqual({ kind: 'start', start: 263, end: 599, forward: true });
  });

  it('nothing to do when enough is cached ahead, or everything up to the end of the file', () => {
    const ahead = Array.from({ length: 80 }, (_, i) => 100 + i);
    expect(planJob(input({ playhead: 100, cached: ahead }))).toEqual({ kind: 'none' });
    const toEnd = Array.from({ length: 10 }, (_, i) => 590 + i);
    expect(planJob(input({ playhead: 590, cached: toEnd }))).toEqual({ kind: 'none' });
  });
});
