// `npx tsx scripts/make-sample-image.ts`: writes resources/samples/eye-sample.png, the synthetic image the
// Models view's "Test" button analyses. Drawn in code (no patient data): sclera, limbus, iris, a red-reflex
// pupil and an instrument shaft entering from a side incision. It checks that a model runs, nothing more.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

export function drawSampleEye(size = 256): Buffer {
  const png = new PNG({ width: size, height: size });
  const c = size / 2;
  const limbus = size * 0.36;
  const pupil = size * 0.17;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - c;
      const dy = y - c;
      const r = Math.hypot(dx, dy);
      let rgb: [number, number, number];
      if (r < pupil) {
        // red reflex: brighter in the middle
        const k = 1 - r / pupil;
        rgb = [170 + 70 * k, 60 + 50 * k, 30 + 20 * k];
      } else if (r < limbus) {
        // iris: brown with radial striations
        const a = Math.atan2(dy, dx);
        const s = 0.5 + 0.5 * Math.sin(a * 48);
        rgb = [95 + 30 * s, 62 + 18 * s, 40 + 10 * s];
      } else if (r < limbus + 4) {
        rgb = [120, 100, 95]; // limbal ring
      } else {
        // sclera with a few vessels, under the warm microscope light
        const vessel = Math.abs(Math.sin(dx * 0.05 + Math.sin(dy * 0.03) * 3)) < 0.03 && r > limbus + 12;
        rgb = vessel ? [190, 70, 70] : [232, 214, 200];
      }
      // instrument shaft from the lower right towards the pupil
      const t = ((x - size * 0.95) * -0.7 + (y - size * 0.85) * -0.7) / 1;
      const off = Math.abs((x - size * 0.95) * 0.7 - (y - size * 0.85) * 0.7);
      if (t > 0 && t < size * 0.55 && off < size * 0.018) rgb = [200, 205, 210];
      const i = (y * size + x) * 4;
      png.data[i] = Math.round(rgb[0]);
      png.data[i + 1] = Math.round(rgb[1]);
      png.data[i + 2] = Math.round(rgb[2]);
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: 2 });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'samples', 'eye-sample.png');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, drawSampleEye());
  console.log(`Wrote ${out} (${fs.statSync(out).size} bytes)`);
}
