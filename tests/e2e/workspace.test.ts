// The review workspace in the real UI (browser host + Debian Chromium), one host for all of it:
// - the layout at 1280×720, 1440×900 and 1920×1080 in both themes: no page scroll, the viewer's share of the window,
//   every select styled, panels resized and remembered; screenshots under test-results/workspace/ to look at;
// - every key listed on ? and named in the tooltips.
// The address, the timeline dock, J and the journey to a finished review: workspace-journey.test.ts; the set-up both
// share: workspace-setup.ts.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeWindow, waitSettled } from './video-helpers';
import { app, call, closeWorkspace, focusStage, openWorkspace, page, SHOTS } from './workspace-setup';

describe('The review workspace (browser host + Chromium)', () => {
  beforeAll(() => openWorkspace('WS-E2E'));
  afterAll(closeWorkspace);

  it('fills the window at 1280×720, 1440×900 and 1920×1080 in both themes: no page scroll, a styled control set, the viewer first', async () => {
    const sizes: Array<[number, number]> = [
      [1280, 720],
      [1440, 900],
      [1920, 1080],
    ];
    for (const theme of ['dark', 'light'] as const) {
      await call('settings.update', { reviewTheme: theme });
      await page.reload();
      await page.getByTestId('review').waitFor();
      await waitSettled(page);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      for (const [w, h] of sizes) {
        await resizeWindow(page, w, h);
        const m = await page.evaluate(() => {
          const box = (id: string) => document.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect();
          const dark = (c: string) => {
            const v = /rgba?\((\d+), (\d+), (\d+)/.exec(c);
            return v ? Number(v[1]) + Number(v[2]) + Number(v[3]) < 3 * 128 : false;
          };
          const selects = [...document.querySelectorAll('select')].map((s) => ({ appearance: getComputedStyle(s).appearance, dark: dark(getComputedStyle(s).backgroundColor) }));
          const tabs = [...document.querySelectorAll('[role="tab"]')].map((t) => t.getBoundingClientRect());
          const viewer = box('viewer');
          return {
            scrollW: document.scrollingElement!.scrollWidth,
            scrollH: document.scrollingElement!.scrollHeight,
            viewerShare: (viewer.width * viewer.height) / (innerWidth * innerHeight),
            stageShare: (box('review-stage').width * box('review-stage').height) / (innerWidth * innerHeight),
            dockBottom: box('timeline-dock').bottom,
            inspectorRight: box('inspector').right,
            selects,
            tabsInside: tabs.every((t) => t.right <= innerWidth + 0.5 && t.width > 30),
          };
        });
        expect(m.scrollW, `${w}×${h} ${theme}`).toBeLessThanOrEqual(w);
        expect(m.scrollH, `${w}×${h} ${theme}`).toBeLessThanOrEqual(h);
        expect(m.dockBottom).toBeLessThanOrEqual(h + 0.5);
        expect(m.inspectorRight).toBeLessThanOrEqual(w + 0.5);
        expect(m.tabsInside, 'every inspector tab fits').toBe(true);
        expect(m.selects.length).toBeGreaterThan(0);
        for (const s of m.selects) expect(s).toEqual({ appearance: 'none', dark: theme === 'dark' });
        if (w === 1440) expect(m.viewerShare, 'the viewer’s share of 1440×900').toBeGreaterThanOrEqual(0.6);
        console.log(`[workspace] ${w}×${h} ${theme}: viewer ${(m.viewerShare * 100).toFixed(1)} % of the window, frame area ${(m.stageShare * 100).toFixed(1)} %`);
        // The thumbnail track has its pictures before the screenshot.
        await page.waitForFunction(
          () => {
            const c = document.querySelector('[data-testid="dock-thumbnails"]');
            return !!c && Number(c.getAttribute('data-painted')) >= Math.min(6, Number(c.getAttribute('data-tiles')));
          },
          null,
          { timeout: 30_000 },
        );
        await page.screenshot({ path: path.join(SHOTS, `review-${w}x${h}-${theme}.png`) });
      }
    }
    // Elsewhere the app follows the system theme (light here).
    await page.getByTestId('nav-library').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.screenshot({ path: path.join(SHOTS, 'library-1920x1080-system.png') });
    await page.getByTestId('nav-review').click();
    await page.getByTestId('review').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light'); // reviewTheme is light now
    await call('settings.update', { reviewTheme: 'dark' });

    // Panels: drag the inspector wider and the dock taller; both are remembered after a reload.
    await resizeWindow(page, 1440, 900);
    const inspectorWidth = (await page.getByTestId('inspector').boundingBox())!.width;
    const splitter = (await page.getByTestId('inspector-splitter').boundingBox())!;
    await page.mouse.move(splitter.x + 2, splitter.y + 200);
    await page.mouse.down();
    await page.mouse.move(splitter.x - 78, splitter.y + 200, { steps: 4 });
    await page.mouse.up();
    const dockSplit = (await page.getByTestId('dock-splitter').boundingBox())!;
    await page.mouse.move(dockSplit.x + 400, dockSplit.y + 2);
    await page.mouse.down();
    await page.mouse.move(dockSplit.x + 400, dockSplit.y - 58, { steps: 4 });
    await page.mouse.up();
    const sizes1 = await page.evaluate(() => [document.querySelector('[data-testid="inspector"]')!.getBoundingClientRect().width, document.querySelector('[data-testid="timeline-dock"]')!.getBoundingClientRect().height]);
    expect(sizes1[0]).toBeCloseTo(inspectorWidth + 80, -1);
    expect(sizes1[1]).toBeCloseTo(210, -1);
    await page.reload();
    await page.getByTestId('review').waitFor();
    const sizes2 = await page.evaluate(() => [document.querySelector('[data-testid="inspector"]')!.getBoundingClientRect().width, document.querySelector('[data-testid="timeline-dock"]')!.getBoundingClientRect().height]);
    expect(sizes2).toEqual(sizes1);
    await page.getByTestId('inspector-splitter').dblclick();
    await page.getByTestId('dock-splitter').dblclick();
    expect(app.errors).toEqual([]);
  });

  it('lists every key on ? and names the keys in tooltips', async () => {
    await page.getByTestId('nav-review').click();
    await page.getByTestId('review').waitFor();
    await focusStage();
    await page.keyboard.press('?');
    const sheet = page.getByTestId('shortcut-sheet');
    await sheet.waitFor();
    const rows = await sheet.getByTestId('shortcut-row').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    for (const key of ['Space', 'J', 'L', '←', 'Shift+→', 'Home', '↓', 'C', 'A', 'B', 'I', 'O', 'Ctrl+Z', '?']) expect(rows.some((r) => r.includes(key)), key).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('play-toggle').getAttribute('title')).toBe('Play / pause (Space or K)');
    expect(await page.getByTestId('tool-box').getAttribute('title')).toBe('Box (B)');
    expect(await page.getByTestId('step-forward').getAttribute('title')).toMatch(/\(→\)$/);
  });
});
