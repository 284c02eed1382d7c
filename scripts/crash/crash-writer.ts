// The crash test's child: opens the library through the real connection code and writes annotations and frame
// captures (PNG files through the frame store, then their rows) through the real data layer as fast as it can, one
// transaction per write. It prints TRY before a write and ACK after the write has committed (fs.writeSync to the
// pipe: the line is out before the next write starts), until the parent kills it with SIGKILL. Annotations go through
// the async store over the connection's Kysely: ACK follows the awaited commit.
// Usage: tsx scripts/crash/crash-writer.ts <library.sqlite> <seed>
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { createAnnotationsStore } from '../../electron/core/annotations/annotations-store';
import { openDatabase } from '../../electron/core/db/connection';
import { workstationKysely } from '../../electron/core/db/workstation-db';
import { createFrameStore } from '../../electron/core/frames/frame-store';
import { createFramesRepo } from '../../electron/core/frames/frames-repo';

const [file, seedArg] = process.argv.slice(2);
if (!file) {
  console.error('Usage: crash-writer <library.sqlite> <seed>');
  process.exit(2);
}

let seed = Number(seedArg ?? 1) >>> 0 || 1;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const u = () => rand(); // a normalised coordinate, full double precision
const say = (line: string) => fs.writeSync(1, `${line}\n`);

const db = openDatabase(file);
const repo = createAnnotationsStore(workstationKysely(db));
const framesRepo = createFramesRepo(db, createFrameStore(path.dirname(file)));
const review = db.prepare('SELECT id, case_id, video_id FROM reviews ORDER BY id LIMIT 1').get() as { id: number; case_id: number; video_id: number };
/** Earlier captures' pixels, so some captures store bytes that are already in the store (the de-duplicated path). */
const captured: Array<{ data: Uint8Array; width: number; height: number }> = [];

/** A noisy PNG (so it does not compress to nothing: the write takes long enough for kills to land inside it). */
function noisyPng(): { data: Uint8Array; width: number; height: number } {
  if (captured.length && rand() < 0.2) return captured[Math.floor(rand() * captured.length)]!;
  const width = 64 + Math.floor(rand() * 320);
  const height = 48 + Math.floor(rand() * 240);
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i & 3) === 3 ? 255 : Math.floor(rand() * 256);
  const shot = { data: new Uint8Array(PNG.sync.write(png)), width, height };
  captured.push(shot);
  return shot;
}
const frames = db.prepare('SELECT id FROM frames ORDER BY id').pluck().all() as number[];
const alive = db.prepare('SELECT id FROM annotations').pluck().all() as number[];

function randomShape() {
  const k = Math.floor(rand() * 5);
  if (k === 0) return { kind: 'box' as const, geometry: { x: u() * 0.5, y: u() * 0.5, w: u() * 0.5, h: u() * 0.5 } };
  if (k === 1) return { kind: 'ellipse' as const, geometry: { x: u() * 0.5, y: u() * 0.5, w: u() * 0.5, h: u() * 0.5 } };
  if (k === 2) return { kind: 'arrow' as const, geometry: { x1: u(), y1: u(), x2: u(), y2: u() } };
  if (k === 3) return { kind: 'freehand' as const, geometry: { points: Array.from({ length: 2 * (2 + Math.floor(rand() * 60)) }, u) } };
  return { kind: 'text' as const, geometry: { x: u(), y: u(), text: `note ${Math.floor(rand() * 1e6)}` } };
}

async function run(): Promise<never> {
  say('READY');
  for (;;) {
    const r = rand();
    if (r < 0.15 && alive.length) {
      // Move an existing box/ellipse/arrow/… to a new place of its own kind.
      const id = alive[Math.floor(rand() * alive.length)]!;
      const kind = (await repo.get(id)).kind;
      let shape = randomShape();
      while (shape.kind !== kind && !(kind === 'box' && shape.kind === 'ellipse') && !(kind === 'ellipse' && shape.kind === 'box')) shape = randomShape();
      say(`TRY update ${id}`);
      const a = await repo.update(id, { geometry: shape.geometry }, 'crash-test');
      say(`ACK update ${id} ${JSON.stringify(a.geometry)}`);
    } else if (r < 0.22 && alive.length) {
      const i = Math.floor(rand() * alive.length);
      const id = alive[i]!;
      say(`TRY delete ${id}`);
      await repo.delete(id, 'crash-test');
      alive.splice(i, 1);
      say(`ACK delete ${id}`);
    } else if (r < 0.32) {
      const { data, width, height } = noisyPng();
      const frameIndex = Math.floor(rand() * 100);
      say('TRY capture');
      const f = framesRepo.add({
        caseId: review.case_id,
        sourceName: `crash-capture ${frameIndex}`,
        data,
        mime: 'image/png',
        width,
        height,
        capture: { reviewId: review.id, videoId: review.video_id, frameIndex, mediaTime: frameIndex / 30 },
      });
      say(`ACK capture ${f.id} ${f.sha256}`);
    } else {
      const shape = randomShape();
      const frameId = frames[Math.floor(rand() * frames.length)]!;
      say('TRY create');
      const a = await repo.create({ frameId, ...shape, label: rand() < 0.3 ? 'capsulorhexis' : null }, 'crash-test');
      alive.push(a.id);
      say(`ACK create ${a.id} ${a.frameId} ${a.kind} ${JSON.stringify(a.geometry)}`);
    }
  }
}

void run();
