// Every frame row checked against its stored file (present, the recorded size, the recorded sha256), and the files
// in the frame store that no row uses. What `npm run check-library` reports; reads only, changes nothing.
import type { Database } from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { FrameFileProblem, FrameStore, ImageMime } from './frame-store';

export interface DamagedFrame {
  frameId: number;
  caseId: number;
  reviewId: number | null;
  frameIndex: number | null;
  sha256: string;
  problem: FrameFileProblem;
  expectedBytes: number;
  actualBytes: number | null;
}

export interface FrameCheckReport {
  frames: number;
  files: number;
  ok: number;
  damaged: DamagedFrame[];
  /** Files under frames/ that no row refers to (left by a crash between the file and its row; harmless). */
  unreferencedFiles: string[];
}

interface Row {
  id: number;
  case_id: number;
  review_id: number | null;
  frame_index: number | null;
  sha256: string;
  mime: ImageMime;
  bytes: number;
}

export function checkFrames(db: Database, store: Pick<FrameStore, 'root' | 'relativePath' | 'check'>, onProgress?: (done: number, total: number) => void): FrameCheckReport {
  const rows = db.prepare<[], Row>('SELECT id, case_id, review_id, frame_index, sha256, mime, bytes FROM frames ORDER BY id').all();
  const results = new Map<string, ReturnType<FrameStore['check']>>();
  const damaged: DamagedFrame[] = [];
  let ok = 0;
  rows.forEach((r, i) => {
    const key = `${r.sha256}:${r.mime}:${r.bytes}`;
    let c = results.get(key);
    if (!c) {
      c = store.check(r.sha256, r.mime, r.bytes);
      results.set(key, c);
    }
    if (c.ok) ok++;
    else {
      damaged.push({
        frameId: r.id,
        caseId: r.case_id,
        reviewId: r.review_id,
        frameIndex: r.frame_index,
        sha256: r.sha256,
        problem: c.problem!,
        expectedBytes: r.bytes,
        actualBytes: c.size,
      });
    }
    onProgress?.(i + 1, rows.length);
  });
  const known = new Set(rows.map((r) => path.normalize(store.relativePath(r.sha256, r.mime))));
  const unreferencedFiles: string[] = [];
  for (const sub of safeList(store.root)) {
    const dir = path.join(store.root, sub);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const name of safeList(dir)) {
      const rel = path.join(sub, name);
      if (!known.has(rel)) unreferencedFiles.push(rel);
    }
  }
  return { frames: rows.length, files: results.size, ok, damaged, unreferencedFiles };
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export const PROBLEM_TEXT: Record<FrameFileProblem, string> = {
  missing: 'file missing',
  short: 'file cut short',
  long: 'file longer than recorded',
  mismatch: 'contents changed (sha256 differs)',
};
