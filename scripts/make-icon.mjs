// Draws the app icon (an eye with its lens on a rounded tile) into resources/build/icon.png, 512x512 RGBA.
// Plain Node: the shapes are signed tests per pixel, anti-aliased by 4x4 supersampling, written as a PNG
// with zlib. Run: node scripts/make-icon.mjs [out.png]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SIZE = 512;
const SUB = 4; // samples per axis
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'resources', 'build', 'icon.png'));

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), 255];
const COLORS = {
  tileTop: hex('#16505e'),
  tileBottom: hex('#0b2c36'),
  outline: hex('#071c22'),
  sclera: hex('#f3f6f7'),
  iris: hex('#2f9c8f'),
  irisEdge: hex('#1d6c63'),
  lens: hex('#cfe9f0'),
  pupil: hex('#0a1a20'),
  glint: hex('#ffffff'),
};

const C = SIZE / 2;
// Tile: rounded square with a margin.
const TILE_MARGIN = 24;
const TILE_RADIUS = 104;
// Eye: an almond made of two circles (half width A, half height B).
const A = 200;
const B = 118;
const R = (A * A + B * B) / (2 * B);
const D = R - B;
const IRIS = 92;
const LENS = 64;
const PUPIL = 38;

function inTile(x, y) {
  const lo = TILE_MARGIN + TILE_RADIUS;
  const hi = SIZE - TILE_MARGIN - TILE_RADIUS;
  const dx = Math.max(lo - x, 0, x - hi);
  const dy = Math.max(lo - y, 0, y - hi);
  return dx * dx + dy * dy <= TILE_RADIUS * TILE_RADIUS;
}
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const inAlmond = (x, y, grow = 0) => inCircle(x, y, C, C - D, R + grow) && inCircle(x, y, C, C + D, R + grow);

/** The colour of one sample point, painter's order: tile, outline, sclera, iris, lens ring, pupil, glint. */
function sample(x, y) {
  if (!inTile(x, y)) return null;
  const t = (y - TILE_MARGIN) / (SIZE - 2 * TILE_MARGIN);
  let color = COLORS.tileTop.map((v, i) => Math.round(v + (COLORS.tileBottom[i] - v) * t));
  if (inAlmond(x, y, 12)) color = COLORS.outline;
  if (inAlmond(x, y)) {
    color = COLORS.sclera;
    if (inCircle(x, y, C, C, IRIS + 8)) color = COLORS.irisEdge;
    if (inCircle(x, y, C, C, IRIS)) color = COLORS.iris;
    if (inCircle(x, y, C, C, LENS) && !inCircle(x, y, C, C, LENS - 7)) color = COLORS.lens;
    if (inCircle(x, y, C, C, PUPIL)) color = COLORS.pupil;
    if (inCircle(x, y, C - 30, C - 30, 15)) color = COLORS.glint;
  }
  return color;
}

function render() {
  const rgba = Buffer.alloc(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const c = sample(px + (sx + 0.5) / SUB, py + (sy + 0.5) / SUB);
          if (!c) continue;
          // Premultiplied accumulation, so edges against transparency do not darken.
          acc[0] += c[0];
          acc[1] += c[1];
          acc[2] += c[2];
          acc[3] += 255;
        }
      }
      const o = (py * SIZE + px) * 4;
      const covered = acc[3] / 255;
      if (covered === 0) continue;
      rgba[o] = Math.round(acc[0] / covered);
      rgba[o + 1] = Math.round(acc[1] / covered);
      rgba[o + 2] = Math.round(acc[2] / covered);
      rgba[o + 3] = Math.round(acc[3] / (SUB * SUB));
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(rgba, width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  // compression, filter, interlace: 0
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const png = encodePng(render(), SIZE, SIZE);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, png);
console.log(`${path.relative(process.cwd(), out)}: ${SIZE}x${SIZE}, ${(png.length / 1024).toFixed(1)} kB`);
