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
  page.on('console', (m) => console.log('console', m.type(), m.text()));
  await createCase(app, 'C1');
  await openCase(page, 'C1');
  await addVideo(page, file);
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
  await openReview(page, 'cut-after-import.mp4');
  await goTo(page, 20);
  await waitSettled(page, 20);
  await goTo(page, 110);
  await new Promise((r) => setTimeout(r, 2000));
  console.log('AFTER SEEK', await page.evaluate(() => JSON.stringify((window as any).__workstationPlayer.getState())));
  await page.evaluate(() => (window as any).__workstationPlayer.dismissProblem());
  await page.evaluate(() => (window as any).__workstationPlayer.play());
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    console.log(await page.evaluate(() => { const v = document.querySelector('[data-testid=review-video]') as HTMLVideoElement; return JSON.stringify({ st: (window as any).__workstationPlayer.getState(), ct: v.currentTime, rs: v.readyState, ns: v.networkState, seeking: v.seeking, err: v.error && [v.error.code, v.error.message], buf: [...Array(v.buffered.length).keys()].map(i => [v.buffered.start(i), v.buffered.end(i)]) }); }));
  }
  await page.screenshot({ path: '/tmp/shots/cut.png' });
  await app.close();
});
