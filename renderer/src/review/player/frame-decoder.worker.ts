// The frame cache's decoder, off the main thread: mediabunny reads the video over HTTP Range and decodes with
// WebCodecs; each wanted frame is converted here to an RGBA ImageBitmap (so the decoder's own buffer goes back to
// it at once, and drawing a step on the page costs a blit instead of a YUV conversion: measured 15–20 ms for a
// 1080p VideoFrame on the page's thread, under 1 ms for a bitmap) and transferred to the page with its frame
// index. A frame's index comes from its timestamp, which must be exactly a pts of the table; others are dropped.
import { ALL_FORMATS, Input, UrlSource, VideoSampleSink } from 'mediabunny';
import type { DecodedImage, FromDecoder, ToDecoder } from './frame-decoder-protocol';
import { indexOfTimestamp } from './timeline';

interface Job {
  id: number;
  start: number;
  end: number;
  forward: boolean;
  skip: Set<number>;
  cancelled: boolean;
}

const post = (msg: FromDecoder, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(msg, transfer);

let input: Input | null = null;
let sink: VideoSampleSink | null = null;
let pts: number[] = [];
let playhead = 0;
let ahead = Infinity;
/** The size frames are kept at: the video's, or smaller to fit the display (a 4K frame is 33 MB as RGBA). */
let keep: { width: number; height: number } | null = null;
/** Seconds to add to the file's timestamps to get the table's (0 for the video itself; a scrub proxy starts at 0). */
let offset = 0;
let moved: Array<() => void> = [];
const jobs = new Map<number, Job>();
let queue: Promise<void> = Promise.resolve();

/**
 * Lets the worker's queued messages (a cancel, a new playhead) run before the next frame. Without it a job can run
 * for dozens of frames on microtasks alone (samples the decoder has ready, bitmaps) while its cancel waits in the
 * message queue: bench:video traced a cancelled job producing 37 more frames (0.8 s) before a jump's own job began.
 */
const hop = new MessageChannel();
let hopWaiters: Array<() => void> = [];
hop.port1.onmessage = () => {
  const list = hopWaiters;
  hopWaiters = [];
  for (const w of list) w();
};
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    hopWaiters.push(resolve);
    hop.port2.postMessage(0);
  });
}

function wake() {
  const list = moved;
  moved = [];
  for (const w of list) w();
}

/** The largest size with the frame's aspect that fits max (never larger than the frame). */
export function fitSize(width: number, height: number, maxWidth?: number, maxHeight?: number): { width: number; height: number } {
  const scale = Math.min(1, maxWidth ? maxWidth / width : 1, maxHeight ? maxHeight / height : 1);
  return { width: Math.max(2, Math.round(width * scale)), height: Math.max(2, Math.round(height * scale)) };
}

async function open(url: string, table: number[], maxWidth?: number, maxHeight?: number, timeOffset = 0): Promise<void> {
  pts = table;
  offset = timeOffset;
  if (typeof VideoDecoder === 'undefined') {
    post({ type: 'opened', ok: false, reason: 'this browser has no WebCodecs video decoder' });
    return;
  }
  input = new Input({
    formats: ALL_FORMATS,
    // Retry a failed range request twice, then give up (a truncated file must fail, not retry forever).
    source: new UrlSource(url, { requestInit: { credentials: 'same-origin' }, getRetryDelay: (attempts) => (attempts < 2 ? 0.2 : null) }),
  });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track) throw new Error('no video track');
    if (track.rotation !== 0) {
      post({ type: 'opened', ok: false, reason: `the video is rotated ${track.rotation}°` });
      return;
    }
    if (!(await track.canDecode())) {
      post({ type: 'opened', ok: false, reason: `WebCodecs cannot decode ${track.codec ?? 'this codec'} here` });
      return;
    }
    // Not optimizeForLatency: the low-delay decoder runs single-threaded; a GOP decode took ~60% longer with it.
    sink = new VideoSampleSink(track, { optimizeForLatency: false });
    keep = fitSize(track.displayWidth, track.displayHeight, maxWidth, maxHeight);
    post({ type: 'opened', ok: true, width: track.displayWidth, height: track.displayHeight, frameWidth: keep.width, frameHeight: keep.height });
  } catch (err) {
    post({ type: 'opened', ok: false, reason: `the video could not be read for decoding (${(err as Error).message})` });
  }
}

/** An RGBA bitmap of the decoder's frame, at the size frames are kept at. */
async function detach(frame: VideoFrame): Promise<{ image: DecodedImage; bytes: number }> {
  const scaled = keep && (keep.width < frame.displayWidth || keep.height < frame.displayHeight);
  const bitmap = scaled ? await createImageBitmap(frame, { resizeWidth: keep!.width, resizeHeight: keep!.height, resizeQuality: 'medium' }) : await createImageBitmap(frame);
  return { image: bitmap, bytes: bitmap.width * bitmap.height * 4 };
}

async function run(job: Job): Promise<void> {
  let produced = 0;
  let mismatches = 0;
  let error: string | null = null;
  try {
    if (!sink) throw new Error('the decoder is not open');
    const from = pts[job.start]! - offset;
    const to = job.end + 1 < pts.length ? pts[job.end + 1]! - offset : Infinity;
    for await (const sample of sink.samples(from, to)) {
      try {
        await yieldToMessages();
        if (job.cancelled) break;
        const timestamp = sample.timestamp + offset;
        const index = indexOfTimestamp(pts, timestamp);
        if (index === null) {
          mismatches++;
          continue;
        }
        let waited = false;
        while (job.forward && !job.cancelled && index - playhead >= ahead) {
          if (!waited) post({ type: 'waiting', id: job.id, waiting: true });
          waited = true;
          await new Promise<void>((r) => moved.push(r));
        }
        if (waited) post({ type: 'waiting', id: job.id, waiting: false });
        if (job.cancelled) break;
        if (job.skip.has(index)) continue;
        const frame = sample.toVideoFrame();
        let out: { image: DecodedImage; bytes: number };
        try {
          out = await detach(frame);
        } finally {
          frame.close();
        }
        if (job.cancelled) {
          out.image.close();
          break;
        }
        post({ type: 'frame', id: job.id, index, timestamp, image: out.image, bytes: out.bytes }, [out.image]);
        produced++;
      } finally {
        sample.close();
      }
    }
  } catch (err) {
    error = (err as Error)?.message ?? String(err);
  } finally {
    jobs.delete(job.id);
    post({ type: 'done', id: job.id, produced, mismatches, error });
  }
}

self.onmessage = (e: MessageEvent<ToDecoder>) => {
  const m = e.data;
  switch (m.type) {
    case 'open':
      queue = queue.then(() => open(m.url, m.pts, m.maxWidth, m.maxHeight, m.timeOffset));
      break;
    case 'decode': {
      const job: Job = { id: m.id, start: m.start, end: m.end, forward: m.forward, skip: new Set(m.skip), cancelled: false };
      jobs.set(job.id, job);
      // One job at a time: the previous one was cancelled by the page before it asked for this one.
      queue = queue.then(() => {
        if (!job.cancelled) return run(job);
        jobs.delete(job.id);
        post({ type: 'done', id: job.id, produced: 0, mismatches: 0, error: null });
      });
      break;
    }
    case 'playhead':
      playhead = m.index;
      ahead = m.ahead;
      wake();
      break;
    case 'cancel': {
      const job = jobs.get(m.id);
      if (job) job.cancelled = true;
      wake();
      break;
    }
    case 'dispose':
      for (const job of jobs.values()) job.cancelled = true;
      wake();
      void queue.then(() => {
        input?.dispose();
        self.close();
      });
      break;
  }
};
