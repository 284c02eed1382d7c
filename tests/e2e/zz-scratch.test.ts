import { it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchApp } from './harness';
import { makeTestVideo } from '../fixtures/videos';
import { addVideo, createCase, openCase, openReview, goTo, waitSettled } from './video-helpers';
it('scratch', async () => {
  const good = await makeTestVideo({ durationSeconds: 4, gop: 30 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cut-'));
  const file = path.join(dir, 'cut-after-import.mp4');
  fs.copyFileSync(good.file, file);
  const app = await launchApp();
  const { page } = app;
  await createCase(app, 'C1');
  await openCase(page, 'C1');
  await addVideo(page, file);
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
  await openReview(page, 'cut-after-import.mp4');
  const st = () => page.evaluate(() => { const v = document.querySelector('[data-testid=review-video]') as HTMLVideoElement; const s = (window as any).__workstationPlayer.getState(); return JSON.stringify({ i: s.index, sh: s.shownIndex, set: s.settled, p: s.problem, w: s.warning, ct: v.currentTime, rs: v.readyState, err: v.error && [v.error.code, v.error.message] }); });
  for (let round = 0; round < 3; round++) {
    await goTo(page, 20);
    await waitSettled(page, 20);
    await page.evaluate(() => (window as any).__workstationPlayer.play());
    await new Promise((r) => setTimeout(r, 3000));
    console.log('PLAY', round, await st());
    await page.evaluate(() => (window as any).__workstationPlayer.dismissProblem());
    await goTo(page, 20);
    await waitSettled(page, 20);
    await goTo(page, 110);
    await new Promise((r) => setTimeout(r, 3000));
    console.log('SEEK', round, await st());
    await page.evaluate(() => (window as any).__workstationPlayer.dismissProblem());
  }
  await app.close();
});
