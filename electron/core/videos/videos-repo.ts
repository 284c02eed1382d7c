// Registered videos (rows in `videos`) and their frame tables (`video_timelines`). A video is registered where it
// is; fileStatus is checked on every read, so a moved file shows as missing until it is re-linked.
import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import { WorkstationError } from '../../api/errors';
import type { Video, VideoPart, VideoTimeline } from '../../api/schemas-video';

interface VideoRow {
  id: number;
  case_id: number;
  file_name: string;
  path: string;
  size_bytes: number;
  quick_hash: string;
  sha256: string | null;
  container: string;
  mime: string;
  codec: string | null;
  codec_string: string | null;
  width: number;
  height: number;
  rotation: number;
  duration_seconds: number;
  frame_count: number;
  fps: number;
  variable_frame_rate: number;
  converted_from: string | null;
  created_at: string;
  start_seconds: number;
  color_matrix: string | null;
  color_primaries: string | null;
  color_transfer: string | null;
  color_full_range: number | null;
}

export type NewVideo = Omit<Video, 'id' | 'fileStatus' | 'createdAt' | 'sha256'> & { mime: string };

interface PartRow {
  part_index: number;
  file_name: string;
  path: string;
  size_bytes: number;
  quick_hash: string;
  first_frame: number;
  frame_count: number;
  start_seconds: number;
  duration_seconds: number;
}

const toPart = (r: PartRow): VideoPart => ({
  index: r.part_index,
  fileName: r.file_name,
  path: r.path,
  sizeBytes: r.size_bytes,
  quickHash: r.quick_hash,
  firstFrame: r.first_frame,
  frameCount: r.frame_count,
  startSeconds: r.start_seconds,
  durationSeconds: r.duration_seconds,
});

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

const toVideo = (r: VideoRow, parts: VideoPart[]): Video => ({
  id: r.id,
  caseId: r.case_id,
  fileName: r.file_name,
  path: r.path,
  sizeBytes: r.size_bytes,
  quickHash: r.quick_hash,
  sha256: r.sha256,
  container: r.container,
  codec: r.codec,
  codecString: r.codec_string,
  width: r.width,
  height: r.height,
  rotation: r.rotation,
  durationSeconds: r.duration_seconds,
  startSeconds: r.start_seconds,
  colour: { matrix: r.color_matrix, primaries: r.color_primaries, transfer: r.color_transfer, fullRange: r.color_full_range === null ? null : r.color_full_range === 1 },
  frameCount: r.frame_count,
  fps: r.fps,
  variableFrameRate: r.variable_frame_rate === 1,
  convertedFrom: r.converted_from,
  fileStatus: isFile(r.path) ? 'ok' : 'missing',
  createdAt: r.created_at,
  parts,
});

export function encodeFloat64(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
}
export function decodeFloat64(b: Buffer): number[] {
  const out = new Array<number>(b.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = b.readDoubleLE(i * 8);
  return out;
}
function encodeUint32(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v, i * 4));
  return b;
}
function decodeUint32(b: Buffer): number[] {
  const out = new Array<number>(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readUInt32LE(i * 4);
  return out;
}

export function createVideosRepo(db: Database) {
  const byId = db.prepare<[number], VideoRow>('SELECT * FROM videos WHERE id = ?');
  const partsOf = db.prepare<[number], PartRow>('SELECT * FROM video_parts WHERE video_id = ? ORDER BY part_index');
  const video = (r: VideoRow): Video => toVideo(r, partsOf.all(r.id).map(toPart));
  function row(id: number): VideoRow {
    const r = byId.get(id);
    if (!r) throw new WorkstationError('not-found', `Video ${id} is not in the library (it may have been removed).`);
    return r;
  }
  return {
    get: (id: number): Video => video(row(id)),
    /** The stored file and its Content-Type, or null when the id is unknown. */
    fileOf(id: number): { path: string; mime: string } | null {
      const r = byId.get(id);
      return r ? { path: r.path, mime: r.mime } : null;
    },
    list(caseId: number): Video[] {
      return db.prepare<[number], VideoRow>('SELECT * FROM videos WHERE case_id = ? ORDER BY created_at, id').all(caseId).map(video);
    },
    findByIdentity(caseId: number, sizeBytes: number, quickHash: string): Video | null {
      const r = db.prepare<[number, number, string], VideoRow>('SELECT * FROM videos WHERE case_id = ? AND size_bytes = ? AND quick_hash = ?').get(caseId, sizeBytes, quickHash);
      return r ? video(r) : null;
    },
    /** The video row, its frame table and its parts (a joined recording), in one transaction. */
    insert(v: NewVideo, timeline: { pts: readonly number[]; keyframes: readonly number[] }): Video {
      const id = db.transaction(() => {
        const res = db
          .prepare(
            `INSERT INTO videos (case_id, file_name, path, size_bytes, quick_hash, sha256, container, mime, codec, codec_string, width, height, rotation,
               duration_seconds, frame_count, fps, variable_frame_rate, converted_from, created_at,
               start_seconds, color_matrix, color_primaries, color_transfer, color_full_range)
             VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            v.caseId, v.fileName, v.path, v.sizeBytes, v.quickHash, v.container, v.mime, v.codec, v.codecString, v.width, v.height, v.rotation,
            v.durationSeconds, v.frameCount, v.fps, v.variableFrameRate ? 1 : 0, v.convertedFrom, new Date().toISOString(),
            v.startSeconds, v.colour.matrix, v.colour.primaries, v.colour.transfer, v.colour.fullRange === null ? null : v.colour.fullRange ? 1 : 0,
          );
        db.prepare('INSERT INTO video_timelines (video_id, pts, keyframes) VALUES (?, ?, ?)').run(res.lastInsertRowid, encodeFloat64(timeline.pts), encodeUint32(timeline.keyframes));
        const part = db.prepare(
          `INSERT INTO video_parts (video_id, part_index, file_name, path, size_bytes, quick_hash, first_frame, frame_count, start_seconds, duration_seconds)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const p of v.parts) part.run(res.lastInsertRowid, p.index, p.fileName, p.path, p.sizeBytes, p.quickHash, p.firstFrame, p.frameCount, p.startSeconds, p.durationSeconds);
        return Number(res.lastInsertRowid);
      })();
      return video(row(id));
    },
    setSha256(id: number, sha256: string): void {
      db.prepare('UPDATE videos SET sha256 = ? WHERE id = ?').run(sha256, id);
    },
    setPath(id: number, filePath: string, fileName: string): Video {
      db.transaction(() => db.prepare('UPDATE videos SET path = ?, file_name = ? WHERE id = ?').run(filePath, fileName, id))();
      return video(row(id));
    },
    /** Deletes the registration (its frame table, reviews and captured frame rows go with it). */
    remove(id: number): void {
      db.transaction(() => db.prepare('DELETE FROM videos WHERE id = ?').run(id))();
    },
    hasReviews(id: number): boolean {
      return db.prepare('SELECT 1 FROM reviews WHERE video_id = ? LIMIT 1').get(id) !== undefined;
    },
    timeline(id: number): VideoTimeline {
      const r = row(id);
      const t = db.prepare<[number], { pts: Buffer; keyframes: Buffer }>('SELECT pts, keyframes FROM video_timelines WHERE video_id = ?').get(id);
      if (!t) throw new WorkstationError('not-found', `Video ${id} has no frame table.`);
      return { videoId: id, pts: decodeFloat64(t.pts), keyframes: decodeUint32(t.keyframes), durationSeconds: r.duration_seconds, startSeconds: r.start_seconds };
    },
  };
}
export type VideosRepo = ReturnType<typeof createVideosRepo>;
