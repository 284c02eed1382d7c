// Set-up shared by the review workspace's end-to-end tests (workspace.test.ts: the layout and the shortcut sheet;
// workspace-journey.test.ts: the address, the timeline dock, J and the journey to a finished review): one browser
// host with a case, a 4 s test video added through the UI and its review open, and the small helpers both files
// drive it with.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO } from '../fixtures/host';
import { makeTestVideo } from '../fixtures/videos';
import { launchApp, type App } from './harness';
import { addVideo, createCase, openCase, openReview, reviewId, waitSettled } from './video-helpers';

/** Screenshots to look at (each layout, and what the reviewer saw when a check failed). */
export const SHOTS = path.join(REPO, 'test-results', 'workspace');
export const poll = <T,>(fn: () => Promise<T> | T, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

// The workspace of this test file (each e2e file runs in its own process): set by openWorkspace in beforeAll and read
// by the tests through these live bindings.
export let app: App;
export let page: Page;
/** The open review's id. */
export let rid: number;

/** Launches the app, creates the case `code`, adds a 4 s test video (a keyframe every 30 frames) and opens its review. */
export async function openWorkspace(code: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const video = await makeTestVideo({ durationSeconds: 4, gop: 30 });
  app = await launchApp();
  page = app.page;
  await createCase(app, code);
  await openCase(page, code);
  await addVideo(page, video.file);
  await openReview(page, path.basename(video.file));
  rid = await reviewId(page);
}

export async function closeWorkspace(): Promise<void> {
  await app?.close();
}

/** Calls a channel through the host and expects it to succeed; returns its value. */
export async function call<T>(channel: string, input: unknown): Promise<T> {
  const r = await app.t.call(channel, input);
  expect(r.body.ok, `${channel}: ${JSON.stringify(r.body.error)}`).toBe(true);
  return r.body.value as T;
}

const player = (k: number) => page.evaluate((n) => (window as unknown as { __workstationPlayer: { goTo(k: number, how: string): void } }).__workstationPlayer.goTo(n, 'seek'), k);

/** Moves the player to frame k (as the test hook does) and waits until it is settled. */
export async function at(k: number) {
  await player(k);
  await waitSettled(page, k);
}

/** Clicks the frame stage, so that the keys go to the player. */
export async function focusStage() {
  await page.getByTestId('review-stage').click({ position: { x: 3, y: 3 } });
}
