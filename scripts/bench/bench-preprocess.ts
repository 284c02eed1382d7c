// Times prepareForGemma3 on a synthetic 1920x1080 frame (PNG as the renderer sends it: RGBA, 8-bit; and JPEG).
// Prints milliseconds; no pass/fail. Run: npx tsx scripts/bench/bench-preprocess.ts [runs]

import os from 'node:os';
import { PNG } from 'pngjs';
import { encode as encodeJpeg } from 'jpeg-js';
import { decodeImage, decodePngWithPngjs } from '../../electron/inference/image/decode';
import { resizeRgb } from '../../electron/inference/image/resize';
import { GEMMA3_IMAGE_SIZE, GEMMA3_RESAMPLE, prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';
import { median } from './stats';

const W = 1920;
const H = 1080;
const runs = Math.max(1, Number(process.argv[2] ?? 15));

/** A frame-like picture: smooth vignette, a bright disc, fine texture and sensor-like noise (so PNG stays big). */
function syntheticFrame(): Buffer {
  const data = Buffer.alloc(W * H * 4);
  let seed = 12345;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = ((seed >>> 16) & 15) - 8;
      const dx = (x - W / 2) / (W / 2);
      const dy = (y - H / 2) / (H / 2);
      const r2 = dx * dx + dy * dy;
      const inPupil = r2 < 0.18;
      const base = inPupil ? 200 - 80 * r2 : 140 * Math.max(0, 1 - r2 * 0.6);
      const tex = 12 * Math.sin(x * 0.21) * Math.cos(y * 0.17);
      const i = (y * W + x) * 4;
      data[i] = Math.max(0, Math.min(255, base + tex + n + 30));
      data[i + 1] = Math.max(0, Math.min(255, base * 0.6 + tex + n));
      data[i + 2] = Math.max(0, Math.min(255, base * 0.45 + n));
      data[i + 3] = 255;
    }
  }
  return data;
}

/** Wall time and this thread's CPU time (the CPU figure is less disturbed when other jobs share the machine). */
function time(label: string, fn: () => unknown): void {
  fn(); // warm-up (JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(
    `${label.padEnd(40)} wall median ${median(wall, 'upper').toFixed(1).padStart(6)} ms (min ${Math.min(...wall).toFixed(1).padStart(6)})` +
      `   cpu median ${median(cpu, 'upper').toFixed(1).padStart(6)} ms`,
  );
}

const rgba = syntheticFrame();
const png = new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: W, height: H }), { data: rgba })));
const jpg = new Uint8Array(encodeJpeg({ width: W, height: H, data: rgba }, 90).data);
const decoded = decodeImage(png);

console.log(`node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}, ${runs} runs after one warm-up; frame ${W}x${H}; PNG ${(png.length / 1e6).toFixed(2)} MB, JPEG ${(jpg.length / 1e6).toFixed(2)} MB`);
time('decode PNG (fast path -> RGB)', () => decodeImage(png));
time('decode PNG (pngjs only, for comparison)', () => decodePngWithPngjs(png));
time(`resize ${W}x${H} -> ${GEMMA3_IMAGE_SIZE}² ${GEMMA3_RESAMPLE}`, () => resizeRgb(decoded, GEMMA3_IMAGE_SIZE, GEMMA3_IMAGE_SIZE, GEMMA3_RESAMPLE));
time('resize same, bicubic (for comparison)', () => resizeRgb(decoded, GEMMA3_IMAGE_SIZE, GEMMA3_IMAGE_SIZE, 'bicubic'));
time('prepareForGemma3(PNG, 896)  total', () => prepareForGemma3(png, GEMMA3_IMAGE_SIZE));
time('prepareForGemma3(JPEG q90, 896)  total', () => prepareForGemma3(jpg, GEMMA3_IMAGE_SIZE));
