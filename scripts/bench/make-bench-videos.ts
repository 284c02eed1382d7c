// `npm run bench:make-videos -- [--seconds 20] [--json]`: the 1080p test videos the video benchmark plays
// (tests/fixtures/videos.ts: every frame carries its index as a block code of 120 px blocks), generated once
// into .cache/test-videos/ and reused. Prints one line per file, or with --json one JSON object as the last line:
// {files: [{name, file, codec, gop, bFrames, frames, sizeBytes, seconds}]}.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { makeTestVideo, sourceFrameCount, type TestVideoSpec } from '../../tests/fixtures/videos';

export const BENCH_VIDEOS = (seconds: number): Array<{ name: string; spec: TestVideoSpec }> => {
  const base = { width: 1920, height: 1080, fps: '30' as const, durationSeconds: seconds, text: true };
  return [
    // A typical recorder file: long GOP with B-frames (seeking decodes up to 8 s of video).
    { name: 'h264-gop250', spec: { ...base, codec: 'h264', gop: 250, bFrames: 3 } },
    // What the app converts to: about one keyframe per second.
    { name: 'h264-gop30', spec: { ...base, codec: 'h264', gop: 30, bFrames: 2 } },
    { name: 'vp9-gop128', spec: { ...base, codec: 'vp9', gop: 128 } },
    // A new microscope's 4K recording (shorter: 4K takes long to generate on 2 cores), long GOP like a recorder.
    { name: 'h264-4k-gop120', spec: { ...base, width: 3840, height: 2160, durationSeconds: Math.min(seconds, 8), codec: 'h264', gop: 120, bFrames: 2, preset: 'ultrafast' } },
  ];
};

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, json: { type: 'boolean' } } });
  const seconds = Number(values.seconds);
  if (!(seconds > 0 && seconds <= 600)) throw new Error('--seconds must be between 0 and 600.');
  const files = [];
  for (const { name, spec } of BENCH_VIDEOS(seconds)) {
    const t0 = performance.now();
    const v = await makeTestVideo(spec);
    const row = {
      name,
      file: v.file,
      codec: v.spec.codec,
      gop: v.spec.gop,
      bFrames: v.spec.bFrames,
      frames: sourceFrameCount(v.spec),
      sizeBytes: fs.statSync(v.file).size,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    files.push(row);
    if (!values.json) console.log(`${name.padEnd(12)} ${row.frames} frames  ${(row.sizeBytes / 1024 / 1024).toFixed(1).padStart(6)} MB  ${String(row.seconds).padStart(5)} s  ${path.relative(process.cwd(), v.file)}`);
  }
  if (values.json) console.log(JSON.stringify({ files }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
