// Lossless PNG of one frame at its native size. The pixels come from the frame cache (an ImageBitmap decoded by
// WebCodecs) or from the <video> (a VideoFrame of what it presents, whose timestamp is checked by the caller).
// OffscreenCanvas.convertToBlob encodes off the main thread's critical path (about 25 ms for 1080p).

export type FramePixels = ImageBitmap | VideoFrame;

export interface EncodedFrame {
  png: Uint8Array;
  width: number;
  height: number;
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
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return { png: new Uint8Array(await blob.arrayBuffer()), width, height };
}
