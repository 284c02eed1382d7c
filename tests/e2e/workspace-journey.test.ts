// The review workspace in the real UI (browser host + Debian Chromium), one host for all of it:
// - the address #/review/<id> after the token, and reopening where the reviewer left off (from here on the review is
//   open by its id, so the journey comes back to it after Settings changes the reviewer);
// - the timeline dock: a click shows the exact frame (pixels), zoom down to single frames, ↓/↑ markers, dragging a
//   segment's edge;
// - J plays backwards steadily at 1× and the speed box says so;
// - the journey to a finished review: reviewer in Settings, analyse, annotate, segment, notes with their limit, tags
//   by type-ahead and by accepting suggestions, finalise, a locked review refusing an annotation, reopen with a
//   reason (audited), finalise again; the PDF and HTML carry the sign-off, the tags and each segment's phase and
//   label; the library search finds the tags.
// The layout and the shortcut sheet: workspace.test.ts; the set-up both share: workspace-setup.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalysesStore } from '../../electron/core/analysis/analyses-store';
import { suggestTags } from '../../electron/core/analysis/suggest-tags';
import { workstationKysely } from '../../electron/core/db/workstation-db';
import { REALISTIC_ANSWERS } from '../fixtures/realistic-answers';
import { storedAnalysis } from '../fixtures/report-review';
import { ensureTestModel } from '../fixtures/test-model';
import { expectOnScreen, frameOnScreen, goTo, resizeWindow, showTab, waitSettled } from './video-helpers';
import { app, at, call, closeWorkspace, focusStage, openWorkspace, page, poll, rid, SHOTS } from './workspace-setup';

describe('The review workspace: the address, the timeline dock, J and the journey to a finished review (browser host + Chromium)', () => {
  let model: { modelPath: string; mmprojPath: string };

  beforeAll(async () => {
    [model] = await Promise.all([ensureTestModel(224), openWorkspace('WS-E2E')]);
  });
  afterAll(closeWorkspace);

  it('opens #/review/<id> directly after the token, and reopens where the reviewer left off', async () => {
    await page.goto(`${app.t.host.url}#/review/${rid}`);
    await page.locator(`[data-testid="review"][data-review-id="${rid}"]`).waitFor();
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(new URL(page.url()).hash).toBe(`#/review/${rid}`);
    await goTo(page, 47);
    await expectOnScreen(page, 47);
    await showTab(page, 'notes');
    await poll(async () => (await call<{ lastFrameIndex: number }>('reviews.get', { id: rid })).lastFrameIndex).toBe(47);
    // A new tab at the bare address (the cookie carries the token): the app opens the review, at frame 47, on Notes.
    const other = await app.context.newPage();
    await other.goto(`http://127.0.0.1:${app.t.host.port}/`);
    await other.locator(`[data-testid="review"][data-review-id="${rid}"]`).waitFor();
    await waitSettled(other, 47);
    expect(await other.getByTestId('tab-notes').getAttribute('aria-selected')).toBe('true');
    expect(new URL(other.url()).hash).toBe(`#/review/${rid}`);
    await other.close();
    // An address that names no review says so.
    await page.goto(`http://127.0.0.1:${app.t.host.port}/#/review/9999`);
    await page.getByText('This review could not be opened').waitFor();
    await page.goto(`http://127.0.0.1:${app.t.host.port}/#/review/${rid}`);
    await page.getByTestId('review').waitFor();
    await waitSettled(page);
    await showTab(page, 'analysis');
  });

  it('the timeline dock: a click shows that exact frame, zoom goes down to single frames, ↓/↑ jump between markers', async () => {
    await resizeWindow(page, 1440, 900);
    const track = page.getByTestId('scrub-bar');
    const clickFrame = async (k: number) => {
      const { x, pps, box } = await track.evaluate((el, n) => {
        const pts = (window as unknown as { __workstationReview: { pts: number[] } }).__workstationReview.pts;
        const start = Number(el.getAttribute('data-view-start'));
        const pps = Number(el.getAttribute('data-pps'));
        const mid = (pts[n]! + (pts[n + 1] ?? pts[n]! + 1 / 30)) / 2;
        return { x: (mid - start) * pps, pps, box: el.getBoundingClientRect().toJSON() as DOMRect };
      }, k);
      expect(pps).toBeGreaterThan(0);
      await page.mouse.click(box.x + x, box.y + box.height - 8);
    };
    for (const k of [90, 13, 64]) {
      await clickFrame(k);
      await expectOnScreen(page, k);
      expect(await page.getByTestId('dock-playhead').getAttribute('data-frame-index')).toBe(String(k));
    }
    // Zoom with + on the focused timeline until single frames are labelled.
    await track.focus();
    for (let i = 0; i < 12; i++) await page.keyboard.press('+');
    expect(await page.getByTestId('dock-ruler').getAttribute('data-unit')).toBe('frames');
    const ticks = await page.locator('[data-testid="dock-ruler"] .tick').evaluateAll((els) => els.map((e) => ({ frame: Number(e.getAttribute('data-frame')), x: e.getBoundingClientRect().x })));
    const gaps = ticks.slice(1).map((t, i) => ({ df: t.frame - ticks[i]!.frame, dx: t.x - ticks[i]!.x }));
    expect(gaps.every((g) => g.df === 1 && g.dx > 30)).toBe(true);
    // The frame 64 is still on screen; a click one frame to the right at this zoom shows 65.
    await clickFrame(65);
    await expectOnScreen(page, 65);
    await page.keyboard.press('0'); // the whole video again
    expect(Number(await track.getAttribute('data-view-start'))).toBe(0);
    expect(await page.getByTestId('dock-zoom-fit').isDisabled()).toBe(true);

    // Markers: two captures, then ↓ and ↑ go from one to the next.
    await at(30);
    await focusStage();
    await page.keyboard.press('c');
    await page.locator('[data-testid="scrub-marker"][data-frame-index="30"]').waitFor();
    await at(75);
    await focusStage();
    await page.keyboard.press('c');
    await page.locator('[data-testid="scrub-marker"][data-frame-index="75"]').waitFor();
    await at(50);
    await focusStage();
    await page.keyboard.press('ArrowDown');
    await expectOnScreen(page, 75);
    await page.keyboard.press('ArrowUp');
    await waitSettled(page, 30);
    await page.keyboard.press('ArrowUp');
    await waitSettled(page, 30); // nothing before the first marker
    expect(app.errors).toEqual([]);
  });

  it('J plays backwards steadily at 1× and the speed box says −1×', async () => {
    await at(110);
    await page.waitForFunction(() => document.querySelector('[data-testid="frame-cache-status"]')?.getAttribute('data-state') === 'on');
    // From a settled cache (the refill after the jump done, as after a reviewer's pause): 2 s of J at 1× still runs
    // past what is cached behind the frame, so the refills while it plays are what is measured, not the jump's.
    await page.evaluate(() => (window as unknown as { __workstationPlayer: { cacheIdle(): Promise<void> } }).__workstationPlayer.cacheIdle());
    // The forward speed is 2×: the box must not keep showing it while J plays backwards.
    await page.getByTestId('speed-select').selectOption('2');
    await focusStage();
    await page.keyboard.press('j');
    await page.getByTestId('reverse-shuttle').waitFor();
    expect(await page.getByTestId('speed-select').inputValue()).toBe('-1');
    // Every frame the player puts on screen for 2 s, with when.
    const seen = await page.evaluate(
      () =>
        new Promise<Array<[number, number]>>((resolve) => {
          const p = (window as unknown as { __workstationPlayer: { subscribe(l: () => void): () => void; getState(): { shownIndex: number | null } } }).__workstationPlayer;
          const out: Array<[number, number]> = [];
          const t0 = performance.now();
          const off = p.subscribe(() => {
            const k = p.getState().shownIndex;
            if (k !== null && out.at(-1)?.[1] !== k) out.push([performance.now() - t0, k]);
          });
          setTimeout(() => {
            off();
            resolve(out);
          }, 2000);
        }),
    );
    await page.keyboard.press('k');
    const back = await waitSettled(page);
    expect(await frameOnScreen(page)).toBe(back);
    const steps = seen.slice(1).map(([t, k], i) => ({ dt: t - seen[i]![0], dk: seen[i]![1] - k }));
    const span = seen.at(-1)![0] - seen[0]![0];
    const rate = (seen[0]![1] - seen.at(-1)![1]) / (span / 1000);
    console.log(`[workspace] J at 1×: ${rate.toFixed(1)} frames/s backwards over ${(span / 1000).toFixed(2)} s, largest jump ${Math.max(...steps.map((s) => s.dk))} frames, longest stall ${Math.max(...steps.map((s) => s.dt)).toFixed(0)} ms`);
    expect(steps.every((s) => s.dk > 0)).toBe(true); // always backwards
    expect(Math.abs(rate - 30) / 30).toBeLessThanOrEqual(0.2);
    // Steady: no long freeze and no run of frames skipped (the defect: ~2 s frozen, then a 90-frame jump). The bounds
    // leave room for a machine so busy that the page itself pauses for a few hundred ms.
    expect(Math.max(...steps.map((s) => s.dk))).toBeLessThanOrEqual(15);
    expect(Math.max(...steps.map((s) => s.dt))).toBeLessThan(1000);
    expect(await page.getByTestId('speed-select').inputValue()).toBe('2');
    await page.getByTestId('speed-select').selectOption('1');
  });

  it('the journey ends in a finalised, signed-off review; a locked review refuses changes until reopened with a reason', async () => {
    const loaded = call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    // Who signs off: Settings.
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('reviewer-name').fill('Dr. Okafor');
    await page.getByTestId('reviewer-role').selectOption('attending');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await page.getByTestId('nav-review').click();
    await page.getByTestId('review').waitFor();
    await loaded;

    // Analyse frame 20 with the model (A).
    await at(20);
    await focusStage();
    await page.keyboard.press('a');
    await page.locator('[data-testid="analysis-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    // Annotate it.
    await page.keyboard.press('b');
    const box = (await page.getByTestId('frame-box').boundingBox())!;
    const draw = async (x: number, y: number) => {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * (x + 0.1), box.y + box.height * (y + 0.15), { steps: 4 });
      await page.mouse.up();
    };
    const labels = async () => (await call<Array<{ id: number; label: string | null }>>('annotations.listForReview', { reviewId: rid })).sort((a, b) => a.id - b.id).map((a) => a.label);
    await draw(0.1, 0.2);
    await poll(labels).toEqual([null]);
    // The label picker relabels the selected box only: the next box drawn has no label (the label used to stick).
    await page.getByTestId('annotation-label').selectOption('capsulorhexis');
    await poll(labels).toEqual(['capsulorhexis']);
    await draw(0.3, 0.2);
    await poll(labels).toEqual(['capsulorhexis', null]);
    // With nothing selected, a label is for the next shape, once.
    await page.locator('body').press('Escape');
    expect(await page.getByTestId('annotation-label').getAttribute('data-scope')).toBe('next');
    await page.getByTestId('annotation-label').selectOption('pupil');
    await draw(0.5, 0.2);
    await poll(labels).toEqual(['capsulorhexis', null, 'pupil']);
    await draw(0.7, 0.2);
    await poll(labels).toEqual(['capsulorhexis', null, 'pupil', null]);

    // A phase segment with I and O; its end dragged on the dock from frame 60 to about 70.
    await at(10);
    await page.keyboard.press('i');
    await at(60);
    await page.keyboard.press('o');
    await page.getByTestId('segment-new').waitFor();
    await page.getByTestId('segment-new-phase').selectOption('capsulorhexis');
    await page.getByTestId('segment-new-label').fill('Rhexis, first pass');
    await page.getByTestId('segment-save').click();
    const block = page.locator('[data-testid="segment-block"]');
    await block.waitFor();
    const edge = (await block.locator('[data-edge="end"]').boundingBox())!;
    const pps = Number(await page.getByTestId('scrub-bar').getAttribute('data-pps'));
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width / 2 + (10 / 30) * pps, edge.y + edge.height / 2, { steps: 5 });
    await page.mouse.up();
    await poll(async () => (await call<Array<{ endFrame: number }>>('segments.list', { reviewId: rid }))[0]!.endFrame).toSatisfy((k: number) => k >= 68 && k <= 72);

    // Notes: a visible limit, a pasted 100,000 characters refused with a message and never cut.
    await showTab(page, 'notes');
    await page.getByTestId('note-text').fill('x'.repeat(100_000));
    expect(await page.getByTestId('note-count').textContent()).toMatch(/100,000 \/ 20,000/);
    await page.getByTestId('note-add').click();
    expect(await page.getByTestId('note-error').textContent()).toMatch(/at most 20,000 characters; this one has 100,000/);
    expect(await page.getByTestId('note-text').inputValue()).toHaveLength(100_000);
    expect(await call<unknown[]>('notes.list', { reviewId: rid })).toEqual([]);
    await page.getByTestId('note-text').fill('Continuous curvilinear rhexis, well centred.');
    await page.getByTestId('note-add').click();
    await poll(async () => (await call<Array<{ text: string }>>('notes.list', { reviewId: rid })).map((n) => n.text)).toEqual(['Continuous curvilinear rhexis, well centred.']);

    // Tags by type-ahead: on frame 20 (on screen), and on the segment.
    await at(20);
    await showTab(page, 'tags');
    await page.getByTestId('tag-input').fill('forc');
    await page.locator('[data-testid="tag-option"][data-value="capsulorhexis-forceps"]').waitFor();
    await page.getByTestId('tag-input').press('Enter');
    await page.locator('[data-testid="tag-chip"][data-value="capsulorhexis-forceps"]').waitFor();
    await at(40);
    await page.getByTestId('tag-scope-segment').click();
    await page.getByTestId('tag-input').fill('ante caps');
    // The scope click took the focus from the field; typing brought it back. The list must stay open past the field's
    // 120 ms blur delay: it closed under the new text when the typing came within that delay (a CI run's click then
    // waited 30 s for an option that was gone).
    await page.waitForTimeout(300);
    expect(await page.getByTestId('tag-options').isVisible()).toBe(true);
    await page.locator('[data-testid="tag-option"][data-value="anterior-capsule-tear"]').click();
    await page.locator('[data-testid="tag-chip"][data-value="anterior-capsule-tear"]').waitFor();

    // Suggestions: frame 90 with an analysis whose words name Cataract-1K terms; one accepted by click, one by key.
    await at(90);
    await focusStage();
    await page.keyboard.press('c');
    await page.locator('[data-testid="scrub-marker"][data-frame-index="90"]').waitFor();
    const frames = await call<Array<{ id: number; frameIndex: number }>>('frames.listForReview', { reviewId: rid, kind: 'capture' });
    const f90 = frames.find((f) => f.frameIndex === 90)!;
    const answer = REALISTIC_ANSWERS.find((a) => a.phase === 'capsulorhexis')!.text;
    const suggested = suggestTags(answer);
    expect(suggested.length).toBeGreaterThanOrEqual(2);
    await createAnalysesStore(workstationKysely(app.t.services.db)).insert({ ...storedAnalysis(f90.id, 1), rawText: answer, suggestedTags: suggested });
    await at(30);
    await at(90); // the panel reads the frame's analyses again
    await page.getByTestId('tag-scope-frame').click();
    const chips = page.getByTestId('suggested-tag-accept');
    await chips
      .first()
      .waitFor({ timeout: 5000 })
      .catch(async (err: unknown) => {
        // What the reviewer would have seen instead of the chips: kept beside the other screenshots.
        await page.screenshot({ path: path.join(SHOTS, 'suggestions-missing.png') });
        throw new Error(`No suggested-tag chip appeared (tag panel: "${await page.getByTestId('tag-suggestions').textContent()}"): ${(err as Error).message}`);
      });
    await chips.first().click();
    await page.locator('[data-testid="suggested-tag-accept"][data-accepted="true"]').first().waitFor();
    await focusStage();
    await page.keyboard.press('2');
    await poll(async () => page.locator('[data-testid="suggested-tag-accept"][data-accepted="true"]').count()).toBe(2);
    const tags = await call<Array<{ frameId: number | null; segmentId: number | null; value: string; kind: string }>>('tags.list', { reviewId: rid });
    expect(tags.filter((t) => t.frameId === f90.id).map((t) => `${t.kind}:${t.value}`).sort()).toEqual(suggested.slice(0, 2).map((t) => `${t.kind}:${t.id}`).sort());
    expect(tags.some((t) => t.segmentId !== null && t.value === 'anterior-capsule-tear')).toBe(true);

    // Finalise: the check list names the captures without tags (30, 75), then the review is locked.
    await page.getByTestId('finalise-button').click();
    const untagged = page.locator('[data-testid="checklist-item"][data-id="untagged-frames"]');
    await untagged.waitFor();
    expect(await untagged.getAttribute('data-severity')).toBe('warn');
    expect(await untagged.textContent()).toMatch(/2 captured frames have no tags.*frame 30.*frame 75/);
    expect(await page.getByTestId('signoff-as').textContent()).toMatch(/Dr\. Okafor \(Attending surgeon\)/);
    await page.getByTestId('finalise-confirm').click();
    await page.locator('[data-testid="review"][data-status="final"]').waitFor();
    expect(await page.getByTestId('locked-banner').textContent()).toMatch(/Finalised by Dr\. Okafor \(Attending surgeon\)/);

    // Locked: drawing is refused with the reason, here and at the contract.
    await focusStage();
    await page.keyboard.press('b');
    const banner = page.getByTestId('error-banner');
    expect(await banner.textContent()).toMatch(/This review was finalised by Dr\. Okafor \(Attending surgeon\) and is locked\. Reopen it \(with a reason\) to change it\./);
    // The message covers no button of the toolbar (it sits at the bottom), and it leaves by itself (checked below).
    const bannerBox = (await banner.boundingBox())!;
    const toolbarBox = (await page.getByTestId('review-toolbar').boundingBox())!;
    expect(bannerBox.y).toBeGreaterThan(toolbarBox.y + toolbarBox.height);
    const bannerShown = Date.now();
    const refused = await app.t.call('annotations.create', { frameId: f90.id, kind: 'box', geometry: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toMatch(/^This review was finalised by Dr\. Okafor \(Attending surgeon\) on .* and is locked\. Reopen it \(with a reason\) to change it\.$/);

    // Reopen only with a reason; the history keeps it; then finalise again.
    await page.getByTestId('reopen-button').click();
    await page.getByTestId('reopen-confirm').click();
    await page.getByTestId('reopen-error').waitFor();
    await page.getByTestId('reopen-reason').fill('Frame 75 needs its instrument tag.');
    await page.getByTestId('reopen-confirm').click();
    await page.locator('[data-testid="review"][data-status="draft"]').waitFor();
    const audit = await call<Array<{ entity: string; action: string; actor: string; after: { reason?: string } }>>('audit.list', { reviewId: rid, entity: 'review' });
    expect(audit.map((e) => [e.action, e.actor, e.after.reason ?? null])).toEqual([
      ['reopen', 'Dr. Okafor', 'Frame 75 needs its instrument tag.'],
      ['finalise', 'Dr. Okafor', null],
    ]);
    await showTab(page, 'history');
    await page.locator('[data-testid="history-item"][data-action="reopen"]').getByText('Frame 75 needs its instrument tag.').waitFor();
    await page.getByTestId('finalise-button').click();
    await page.getByTestId('checklist').waitFor();
    await page.getByTestId('finalise-confirm').click();
    await page.locator('[data-testid="review"][data-status="final"]').waitFor();

    // The reports: sign-off, tags, each segment's phase and label.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-report-'));
    await call('reports.export', { reviewId: rid, folder: out, formats: ['pdf', 'html'], options: { fields: { reviewer: true } } });
    await poll(() => fs.readdirSync(out).filter((f) => /\.(pdf|html)$/.test(f)).length, 60_000).toBe(2);
    const base = path.join(out, `WS-E2E-review-${rid}`);
    const html = fs.readFileSync(`${base}.html`, 'utf8').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    // The PDF read with its layout kept, so a table row stays one line.
    const pdfLines = execFileSync('pdftotext', ['-layout', `${base}.pdf`, '-'], { encoding: 'utf8' });
    const pdf = pdfLines.replace(/\s+/g, ' ');
    expect(pdfLines).toMatch(/Capsulorhexis\s+Rhexis, first pass\s+00:00:00\.333\s+00:00:02\.333\s+10–70\s+Anterior capsule tear/);
    expect(html).toMatch(/Capsulorhexis Rhexis, first pass 00:00:00\.333 00:00:02\.333 10–70 Anterior capsule tear/);
    for (const text of [html, pdf]) {
      expect(text).toMatch(/Sign-off This review was finalised by Dr\. Okafor \(Attending surgeon\) on/);
      expect(text).toMatch(/Capsulorhexis forceps/);
      expect(text).toMatch(/Anterior capsule tear/);
      for (const t of suggested.slice(0, 2)) expect(text).toContain(t.label);
    }
    fs.rmSync(out, { recursive: true, force: true });

    // The lock message has gone by itself (it stays 12 s unless the pointer is on it).
    await banner.waitFor({ state: 'detached', timeout: Math.max(1000, 20_000 - (Date.now() - bannerShown)) });

    // The library search finds the tags.
    await page.getByTestId('nav-library').click();
    const open = page.getByTestId('library-search-open');
    if (await open.isEnabled()) await open.click();
    await page.getByTestId('library-search-input').fill('forceps');
    await poll(() => page.locator('[data-testid="search-hit"][data-kind="tag"]').count()).toBeGreaterThanOrEqual(1);
    expect(app.errors).toEqual([]);
  });
});
