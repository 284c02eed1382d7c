// The bytes of a captured frame as frames.capture receives them: the PNG (whole, and its size from the header) and
// the optional print copy for reports (a whole JPEG of exactly the size the reports print the frame at).
import { WorkstationError } from '../../api/errors';
import { printSize } from '../../api/print-size';
import { probeImage } from '../../inference/image/probe-image';
import { isWholeJpeg } from '../reports/print-copies';

/** Width and height from a PNG's IHDR; throws unless the bytes are a whole PNG (signature, IHDR first, IEND last). */
export function pngSize(data: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 8 + 25 + 12 || sig.some((v, i) => b[i] !== v)) throw new WorkstationError('unsupported-input', 'The captured frame is not a PNG image. Capture it again.');
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') throw new WorkstationError('unsupported-input', 'The captured PNG is malformed (no IHDR header). Capture it again.');
  if (b.toString('latin1', b.length - 8, b.length - 4) !== 'IEND') throw new WorkstationError('unsupported-input', 'The captured PNG is incomplete (it does not end with IEND). Capture it again.');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** The print copy's size if it is a whole JPEG of the size the reports print this frame at; throws otherwise. */
export function checkPrintCopy(jpeg: Uint8Array, width: number, height: number, pngBytes: number): { width: number; height: number } | null {
  const want = printSize(width, height, pngBytes);
  if (!want) return null; // printed as stored: no copy needed
  let got: { format: string; width: number; height: number } | null = null;
  try {
    got = isWholeJpeg(jpeg) ? probeImage(jpeg) : null;
  } catch {
    got = null;
  }
  if (!got || got.format !== 'jpeg') throw new WorkstationError('invalid-argument', 'The print copy of the captured frame is not a whole JPEG image. Capture the frame again.');
  if (got.width !== want.width || got.height !== want.height) {
    throw new WorkstationError('invalid-argument', `The print copy is ${got.width}×${got.height}, but a ${width}×${height} frame is printed at ${want.width}×${want.height}. Capture the frame again.`);
  }
  return want;
}
