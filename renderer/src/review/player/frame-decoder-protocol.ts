// Messages between the frame cache (main thread) and its decoder worker (frame-decoder.worker.ts).

export type DecodedImage = VideoFrame | ImageBitmap;

export type ToDecoder =
  | { type: 'open'; url: string; pts: number[] }
  /** Decode frames start..end (inclusive, presentation order); skip those listed (already cached). */
  | { type: 'decode'; id: number; start: number; end: number; forward: boolean; skip: number[] }
  /** Where the reviewer is, and how far ahead a forward job may run before it waits. */
  | { type: 'playhead'; index: number; ahead: number }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

export type FromDecoder =
  | { type: 'opened'; ok: true; width: number; height: number }
  | { type: 'opened'; ok: false; reason: string }
  /** One decoded frame, transferred: its index in the pts table and its exact timestamp (s). */
  | { type: 'frame'; id: number; index: number; timestamp: number; image: DecodedImage; bytes: number }
  | { type: 'waiting'; id: number; waiting: boolean }
  | { type: 'done'; id: number; produced: number; mismatches: number; error: string | null };
