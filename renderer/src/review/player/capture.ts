// Lossless PNG of one frame at its native size. The pixels come from the frame cache (an ImageBitmap decoded by
// WebCodecs) or from the <video> (a VideoFrame of what it presents, whose timestamp is checked by the caller).
// OffscreenCanvas.convertToBlob encodes off the main thread's critical path (about 25 ms for 1080p). A large frame
// also gets its print copy for reports (a JPEG at print-size.ts's size) from the same pixels, so the first export of
// the review does not have to decode and shrink every PNG.
import { PRINT_JPEG_QUALITY, printSize } from '../../../../electron/api/print-size';

export type FramePixels = ImageBitmap | VideoFrame | ImageData;

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

/** Converted pixels (ImageData) are put, not drawn; a bitmap or a VideoFrame is drawn. */
function paint(ctx: OffscreenCanvasRenderingContext2D, source: FramePixels, width: number, height: number): void {
  if (source instanceof ImageData) ctx.putImageData(source, 0, 0);
  else ctx.drawImage(source, 0, 0, width, height);
}

async function blobBytes(canvas: OffscreenCanvas, type: string, quality?: number): Promise<Uint8Array> {
  return new Uint8Array(await (await canvas.convertToBlob({ type, ...(quality !== undefined ? { quality } : {}) })).arrayBuffer());
}

/** The print copy: the frame drawn at the print size and JPEG-encoded at the reports' quality. */
function encodePrintCopy(frame: OffscreenCanvas, size: { width: number; height: number }): Promise<Uint8Array> | null {
  const small = new OffscreenCanvas(size.width, size.height);
  const ctx = small.getContext('2d', { alpha: false });
  if (!ctx) return null;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(frame, 0, 0, size.width, size.height);
  return blobBytes(small, 'image/jpeg', PRINT_JPEG_QUALITY);
}

export async function encodePng(source: FramePixels): Promise<EncodedFrame> {
  const { width, height } = sizeOf(source);
  if (!width || !height) throw new Error('The frame has no pixels to capture.');
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('This browser cannot draw the frame for capture.');
  paint(ctx, source, width, height);
  // A frame larger than the print size always needs a copy: encode both at once. A smaller one needs it only when
  // its PNG is large, which is known after encoding.
  const early = printSize(width, height, 0);
  const copying = early ? encodePrintCopy(canvas, early) : null;
  const png = await blobBytes(canvas, 'image/png');
  const print = printSize(width, height, png.byteLength);
  if (!print) return { png, width, height };
  const printJpeg = await (copying ?? encodePrintCopy(canvas, print));
  return printJpeg ? { png, width, height, printJpeg } : { png, width, height };
}
