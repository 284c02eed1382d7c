// Reading a workstation's own library (SQLite, better-sqlite3) for publishing: a review with its case, its video
// file, its frames (PNG bytes from the frame store, checked against their sha256), its annotations, analyses, notes
// and tags (on the review or on a captured frame; a tag on a phase segment stays here: the department has no segments).
// Read-only but for one thing: the library's own random id (settings key `departmentLibraryId`, made on first use),
// which names it as the source of what it publishes, so publishing again updates instead of duplicating.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import path from 'node:path';
import { WorkstationError } from '../../api/errors';
import { openDatabase } from '../db/connection';
import { createFrameStore, type FrameStore, type ImageMime } from '../frames/frame-store';
import type { PublishPayload } from '../department/publish-payload';

export interface LocalVideo {
  id: number;
  fileName: string;
  /** Where the file is on this machine. */
  path: string;
  sizeBytes: number;
  /** Known once the app has hashed it; null: publishing hashes it. */
  sha256: string | null;
  mime: string;
  durationSeconds: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
}

export interface LocalFrame {
  id: number;
  frameIndex: number;
  mediaTime: number | null;
  sha256: string;
  mime: ImageMime;
  bytes: number;
  width: number;
  height: number;
}

export interface LocalReview {
  id: number;
  caseCode: string;
  reviewer: string;
  status: 'draft' | 'final';
  finalisedBy: string | null;
  video: LocalVideo;
  frames: LocalFrame[];
  annotations: PublishPayload['annotations'];
  analyses: PublishPayload['analyses'];
  notes: NonNullable<PublishPayload['notes']>;
  tags: NonNullable<PublishPayload['tags']>;
}

/** What publishing reads from the workstation (the desktop passes its open library; the import CLI opens a file). */
export interface LocalLibrary {
  /** This library's id as a source of published reviews. */
  readonly sourceId: string;
  /** Every review, oldest first. */
  reviewIds(): number[];
  review(id: number): LocalReview;
  /** The frame's stored image, checked against its sha256 (a damaged or missing file throws, with what to do). */
  readFrame(frame: LocalFrame): Buffer;
  close(): void;
}

const SOURCE_KEY = 'departmentLibraryId';

function sourceIdOf(db: Database): string {
  db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(SOURCE_KEY, JSON.stringify(crypto.randomUUID()));
  const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(SOURCE_KEY);
  return JSON.parse(row!.value) as string;
}

interface ReviewRow {
  id: number;
  status: 'draft' | 'final';
  reviewer: string;
  finalised_by: string | null;
  code: string;
  video_id: number;
  file_name: string;
  path: string;
  size_bytes: number;
  sha256: string | null;
  mime: string;
  duration_seconds: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
}

/** The library over an open database and its frame store (nothing is closed but what `onClose` closes). */
export function localLibraryOver(db: Database, frames: FrameStore, onClose: () => void = () => undefined): LocalLibrary {
  const sourceId = sourceIdOf(db);
  const reviewRow = db.prepare<[number], ReviewRow>(
    `SELECT r.id, r.status, r.reviewer, r.finalised_by, c.code, v.id AS video_id, v.file_name, v.path, v.size_bytes, v.sha256, v.mime,
            v.duration_seconds, v.fps, v.width, v.height
       FROM reviews r JOIN cases c ON c.id = r.case_id JOIN videos v ON v.id = r.video_id WHERE r.id = ?`,
  );
  const frameRows = db.prepare<[number], { id: number; frame_index: number; media_time: number | null; sha256: string; mime: ImageMime; bytes: number; width: number; height: number }>(
    'SELECT id, frame_index, media_time, sha256, mime, bytes, width, height FROM frames WHERE review_id = ? AND frame_index IS NOT NULL ORDER BY frame_index, id',
  );
  const annotationRows = db.prepare<[number], { id: number; frame_index: number; kind: string; geometry_json: string; label: string | null; color: string; author: string }>(
    `SELECT a.id, f.frame_index, a.kind, a.geometry_json, a.label, a.color, a.author
       FROM annotations a JOIN frames f ON f.id = a.frame_id WHERE f.review_id = ? AND f.frame_index IS NOT NULL ORDER BY f.frame_index, a.id`,
  );
  const analysisRows = db.prepare<
    [number],
    { id: number; frame_index: number; status: string; prompt: string; answer: string; thinking: string | null; provenance_json: string; model_sha256: string; created_at: string; completed_at: string }
  >(
    `SELECT a.id, f.frame_index, a.status, a.prompt, a.answer, a.thinking, a.provenance_json, a.model_sha256, a.created_at, a.completed_at
       FROM analyses a JOIN frames f ON f.id = a.frame_id WHERE f.review_id = ? AND f.frame_index IS NOT NULL ORDER BY f.frame_index, a.id`,
  );
  // A note or tag on the review, or on a frame with its place in the video (as frames, annotations and analyses are).
  const noteRows = db.prepare<[number], { id: number; frame_index: number | null; text: string; author: string }>(
    `SELECT n.id, f.frame_index, n.text, n.author
       FROM notes n LEFT JOIN frames f ON f.id = n.frame_id WHERE n.review_id = ? AND (n.frame_id IS NULL OR f.frame_index IS NOT NULL) ORDER BY n.id`,
  );
  const tagRows = db.prepare<[number], { id: number; frame_index: number | null; kind: string; value: string; author: string }>(
    `SELECT t.id, f.frame_index, t.kind, t.value, t.author
       FROM tags t LEFT JOIN frames f ON f.id = t.frame_id
      WHERE t.review_id = ? AND t.segment_id IS NULL AND (t.frame_id IS NULL OR f.frame_index IS NOT NULL) ORDER BY t.id`,
  );
  const json = (text: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };

  return {
    sourceId,
    reviewIds: () => db.prepare<[], { id: number }>('SELECT id FROM reviews ORDER BY id').all().map((r) => r.id),
    review(id) {
      const r = reviewRow.get(id);
      if (!r) throw new WorkstationError('not-found', `Review ${id} is not in this library (it may have been deleted).`);
      return {
        id: r.id,
        caseCode: r.code,
        reviewer: r.reviewer,
        status: r.status,
        finalisedBy: r.finalised_by,
        video: {
          id: r.video_id,
          fileName: r.file_name,
          path: r.path,
          sizeBytes: r.size_bytes,
          sha256: r.sha256,
          mime: r.mime,
          durationSeconds: r.duration_seconds,
          fps: r.fps,
          width: r.width,
          height: r.height,
        },
        frames: frameRows.all(id).map((f) => ({ id: f.id, frameIndex: f.frame_index, mediaTime: f.media_time, sha256: f.sha256, mime: f.mime, bytes: f.bytes, width: f.width, height: f.height })),
        annotations: annotationRows.all(id).map((a) => ({
          sourceId: a.id,
          frameIndex: a.frame_index,
          kind: a.kind as PublishPayload['annotations'][number]['kind'],
          geometry: JSON.parse(a.geometry_json) as unknown,
          label: a.label,
          color: a.color,
          author: a.author,
        })),
        analyses: analysisRows.all(id).map((a) => ({
          sourceId: a.id,
          frameIndex: a.frame_index,
          status: a.status as PublishPayload['analyses'][number]['status'],
          prompt: a.prompt,
          answer: a.answer,
          thinking: a.thinking,
          provenance: json(a.provenance_json),
          modelSha256: a.model_sha256,
          createdAt: a.created_at,
          completedAt: a.completed_at,
        })),
        notes: noteRows.all(id).map((n) => ({ sourceId: n.id, frameIndex: n.frame_index, text: n.text, author: n.author })),
        tags: tagRows.all(id).map((t) => ({ sourceId: t.id, frameIndex: t.frame_index, kind: t.kind as LocalReview['tags'][number]['kind'], value: t.value, author: t.author })),
      };
    },
    readFrame: (frame) => frames.read(frame.sha256, frame.mime, frame.bytes),
    close: onClose,
  };
}

/**
 * Opens a workstation library file (library.sqlite) and its frame store (<dataDir>/frames; by default the file's
 * folder, where the app keeps both). The file is checked and brought to this build's schema as the app does.
 */
export function openLocalLibrary(file: string, options: { dataDir?: string } = {}): LocalLibrary {
  const dataDir = options.dataDir ?? path.dirname(file);
  const db = openDatabase(file, { backupDir: path.join(dataDir, 'backups') }); // backed up first if it needs migrating, as the app does
  try {
    return localLibraryOver(db, createFrameStore(dataDir), () => db.close());
  } catch (err) {
    db.close();
    throw err;
  }
}
