// Lossless PNG of one frame at its native size. The pixels come from the frame cache (an ImageBitmap decoded by
// WebCodecs) or from the <video> (a VideoFrame of what it presents, whose timestamp is checked by the caller).
// OffscreenCanvas.convertToBlob encodes off the main thread's critical path (about 25 ms for 1080p). A large frame
// also gets its print copy for reports (a JPEG at print-size.ts's size) from the same pixels, so the first export of
// the review does not have to decode and shrink every PNG.
import { PRINT_JPEG_QUALITY, printSize } from '../../../../electron/api/print-size';

export type FramePixels = ImageBitmap | VideoFrame;

export interface EncodedFrame {
  png: Uint8Array;
  width: number;
  height: number;
  /** The print copy, when the reports print this frame smaller than stored. */
  printJpeg?: Uint8Array;
}

function sizeOf(source: FramePixels): { width: number; height: number } {
  return 'displayWidth' in source ? { width: source.displayWidth, height: source.displayHeight } : { width: source.width, height: source.height };
}

export async function encodePng(source: FramePixels): Promise<EncodedFrame> {
  const { width, height } = sizeOf(source);
  if (!width || !height) throw new Error('The frame has no pixels to capture.');
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('This browser cannot draw the frame for capture.');
  ctx.drawImage(source, 0, 0, width, height);
  const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  const print = printSize(width, height, png.byteLength);
  if (!print) return { png, width, height };
  const small = new OffscreenCanvas(print.width, print.height);
  const sctx = small.getContext('2d', { alpha: false });
  if (!sctx) return { png, width, height };
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(canvas, 0, 0, print.width, print.height);
  const printJpeg = new Uint8Array(await (await small.convertToBlob({ type: 'image/jpeg', quality: PRINT_JPEG_QUALITY })).arrayBuffer());
  return { png, width, height, printJpeg };
}
