// Messages between the frame cache (main thread) and its decoder worker (frame-decoder.worker.ts).

export type DecodedImage = VideoFrame | ImageBitmap;

export type ToDecoder =
  /** maxWidth/maxHeight: decoded frames are kept at most this large (display size; full size only for capture). */
  /** timeOffset: seconds to add to the file's timestamps to get the table's (a scrub proxy starts at 0). */
  | { type: 'open'; url: string; pts: number[]; maxWidth?: number; maxHeight?: number; timeOffset?: number }
  /** Decode frames start..end (inclusive, presentation order); skip those listed (already cached). */
  | { type: 'decode'; id: number; start: number; end: number; forward: boolean; skip: number[] }
  /** Where the reviewer is, and how far ahead a forward job may run before it waits. */
  | { type: 'playhead'; index: number; ahead: number }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

export type FromDecoder =
  /** width/height: the video's; frameWidth/frameHeight: the size frames are kept at. */
  | { type: 'opened'; ok: true; width: number; height: number; frameWidth: number; frameHeight: number }
  | { type: 'opened'; ok: false; reason: string }
  /** One decoded frame, transferred: its index in the pts table and its exact timestamp (s). */
  | { type: 'frame'; id: number; index: number; timestamp: number; image: DecodedImage; bytes: number }
  | { type: 'waiting'; id: number; waiting: boolean }
  | { type: 'done'; id: number; produced: number; mismatches: number; error: string | null };
