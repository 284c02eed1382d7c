// The review workspace's pure parts: the timeline dock's geometry (zoom down to single frames, frame-accurate ruler
// ticks from the pts table, VFR included), review addresses, the type-ahead's matching, text limits shown rather
// than cut, and the one table of keys.
import { describe, expect, it } from 'vitest';
import { TAXONOMY } from '../../electron/core/taxonomy/taxonomy';
import { clampWindow, fitWindow, frameAt, frameEnd, MAX_FRAME_PX, rulerTicks, shortestFrame, xOf, zoomAround } from '../../renderer/src/review/dock/timeline-view';
import { matchTerms } from '../../renderer/src/review/inspector/TagInput';
import { parseRoute, routeHash } from '../../renderer/src/review/review-target';
import { ariaKeys, SHORTCUT_GROUPS, SHORTCUTS, tip } from '../../renderer/src/review/workspace/shortcuts';
import { tooLong } from '../../renderer/src/ui/CharCount';

const cfr = (n: number, fps = 30) => Array.from({ length: n }, (_, k) => k / fps);

describe('timeline dock geometry', () => {
  const pts = cfr(3600); // 2 minutes at 30 fps
  const total = 120;
  const frame = shortestFrame(pts);

  it('fits the whole video, zooms around the pointer, and stops at single frames MAX_FRAME_PX wide', () => {
    const w = fitWindow(total, 1200);
    expect(w).toEqual({ start: 0, pps: 10 });
    // Zooming keeps the time under the pointer where it was.
    const z = zoomAround(w, 4, 300, 1200, total, frame);
    expect(z.pps).toBe(40);
    expect(z.start + 300 / z.pps).toBeCloseTo(w.start + 300 / w.pps, 9);
    // Never out past the whole video, never in past a frame MAX_FRAME_PX wide; the window stays inside the video.
    expect(zoomAround(w, 0.1, 600, 1200, total, frame)).toEqual(w);
    const deep = zoomAround(w, 1e6, 600, 1200, total, frame);
    expect(deep.pps * frame).toBeCloseTo(MAX_FRAME_PX, 6);
    expect(clampWindow({ start: 500, pps: 40 }, 1200, total, frame).start).toBe(total - 1200 / 40);
  });

  it('puts frame ticks exactly at pts[k] once frames can be told apart, and time ticks before', () => {
    const coarse = rulerTicks(fitWindow(total, 1200), 1200, pts, frame);
    expect(coarse.filter((t) => t.major).map((t) => t.label).slice(0, 3)).toEqual(['00:00', '00:10', '00:20']);
    const w = { start: 10, pps: MAX_FRAME_PX / frame };
    const fine = rulerTicks(w, 650, pts, frame);
    expect(fine.length).toBe(11);
    for (const t of fine) expect(t.x).toBeCloseTo(xOf(w, pts[t.frame]!), 9);
    expect(fine.map((t) => t.frame)).toEqual(Array.from({ length: 11 }, (_, i) => 300 + i));
    expect(fine.find((t) => t.major)!.label).toBe('00:10.000 · 300');
    // Every frame has its tick; every other one its label (a label needs more room than a frame).
    expect(fine.filter((t) => t.major).map((t) => t.frame)).toEqual([300, 302, 304, 306, 308, 310]);
  });

  it('follows a variable frame rate table: ticks and clicks land on the frame whose interval holds the time', () => {
    // 30 fps, then 15 fps: frames 30.. are 1/15 s long.
    const vfr = [...cfr(30), ...Array.from({ length: 30 }, (_, i) => 1 + i / 15)];
    const w = { start: 0.9, pps: 300 };
    const ticks = rulerTicks(w, 600, vfr, shortestFrame(vfr));
    for (const t of ticks) expect(t.x).toBeCloseTo(xOf(w, vfr[t.frame]!), 9);
    expect(frameAt(w, xOf(w, 1 + 1 / 15 + 0.01), vfr)).toBe(31);
    expect(frameAt(w, xOf(w, 1 - 0.001), vfr)).toBe(29);
    expect(frameEnd(vfr, 59)).toBeCloseTo(1 + 30 / 15, 9); // the last frame lasts as long as the one before
  });
});

describe('review addresses', () => {
  it('reads and writes #/review/<id> and the other views', () => {
    expect(parseRoute('#/review/12')).toEqual({ view: 'review', review: { reviewId: 12 } });
    expect(parseRoute('#/library')).toEqual({ view: 'library', review: null });
    expect(parseRoute('#/review')).toEqual({ view: 'review', review: null });
    for (const bad of ['', '#', '#/review/0', '#/review/x', '#/admin', '#/review/12/../3', '#/review/99999999999999']) expect(parseRoute(bad)).toBeNull();
    expect(routeHash({ view: 'review', review: { reviewId: 7 } })).toBe('#/review/7');
    expect(routeHash({ view: 'review', review: { caseId: 1, videoId: 2 } })).toBe('#/review');
    expect(routeHash({ view: 'settings', review: { reviewId: 7 } })).toBe('#/settings');
  });
});

describe('tags type-ahead', () => {
  it('matches every typed word against the taxonomy and review vocabularies, prefix matches first', () => {
    expect(matchTerms(TAXONOMY, 'forc').map((t) => t.value)).toEqual(['capsulorhexis-forceps', 'katena-forceps']);
    expect(matchTerms(TAXONOMY, 'ante caps').map((t) => `${t.kind}:${t.value}`)).toEqual(['finding:anterior-capsule-tear']);
    expect(matchTerms(TAXONOMY, 'phaco')[0]).toMatchObject({ kind: 'phase', value: 'phacoemulsification' });
    expect(matchTerms(TAXONOMY, 'severe')).toEqual([{ kind: 'severity', value: 'severe', label: 'Severe' }]);
    expect(matchTerms(TAXONOMY, 'zzz')).toEqual([]);
  });
});

describe('text limits', () => {
  it('says how much too long, never cuts', () => {
    expect(tooLong('x'.repeat(20_000), 20_000, 'A note')).toBeNull();
    expect(tooLong(`  ${'x'.repeat(100_000)}  `, 20_000, 'A note')).toBe('A note has at most 20,000 characters; this one has 100,000. Shorten it by 80,000 (or split it) and save again.');
  });
});

describe('the table of keys', () => {
  it('lists every action once in the sheet, and tooltips take their keys from it', () => {
    const listed = SHORTCUT_GROUPS.flatMap((g) => g.ids);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual(Object.keys(SHORTCUTS).sort());
    expect(tip('capture')).toBe('Capture the frame on screen (C)');
    expect(tip('redo')).toBe('Redo (Ctrl+Shift+Z or Ctrl+Y)');
    expect(ariaKeys('prevFrame')).toBe('ArrowLeft');
    expect(ariaKeys('redo')).toBe('Control+Shift+Z Control+Y');
  });
});
