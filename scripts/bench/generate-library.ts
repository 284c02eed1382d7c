// A large, realistic library for the database benchmark, written in bulk through plain SQL (the triggers keep
// the search index, as in the app): cases, videos, reviews, captured frames, analyses with answer and thinking,
// annotations (with their audit rows), notes, tags and segments. Deterministic for a given seed.
import type { Database } from 'better-sqlite3';
import taxonomy from '../../resources/taxonomy/cataract-1k.json';
import vocab from '../../resources/taxonomy/review-vocabularies.json';

export interface LibrarySize {
  reviews: number;
  annotations: number;
  framesPerReview: number;
  notesPerReview: number;
  tagsPerReview: number;
  segmentsPerReview: number;
}

export const FULL_SIZE: LibrarySize = { reviews: 10_000, annotations: 100_000, framesPerReview: 4, notesPerReview: 2, tagsPerReview: 3, segmentsPerReview: 4 };

const WORDS = (
  'anterior chamber stable incision wound corneal clear paracentesis viscoelastic capsule rhexis continuous curvilinear ' +
  'hydrodissection fluid wave nucleus rotation phaco chop divide conquer quadrant sculpt groove cortex aspiration irrigation ' +
  'posterior capsule intact polished lens injector cartridge haptic optic centred bag sulcus iris prolapse pupil miosis ' +
  'zonules weak dialysis tear extension radial edge forceps cystotome spatula tip power vacuum flow bottle height ' +
  'surge occlusion endothelium oedema striae descemet hydrate stromal seal antibiotic cefuroxime intracameral ' +
  'resident attention technique slowly carefully angle trajectory depth reflex red glow visibility microscope focus'
).split(/\s+/);

export function createRandom(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  return { next, int, pick, sentence, words: WORDS };
}

export function generateLibrary(db: Database, size: LibrarySize, seed = 42, onProgress?: (what: string) => void): { frameIds: number[]; reviewIds: number[] } {
  const r = createRandom(seed);
  const phases = taxonomy.phases.map((p) => p.id);
  const instruments = taxonomy.instruments.map((p) => p.id);
  const findings = vocab.findings.map((f) => f.id);
  const base = Date.parse('2024-01-01T00:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const frameIds: number[] = [];
  const reviewIds: number[] = [];

  const insCase = db.prepare('INSERT INTO cases (code, surgery_date, eye, surgeon, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insVideo = db.prepare(
    `INSERT INTO videos (case_id, file_name, path, size_bytes, quick_hash, sha256, container, mime, codec, codec_string, width, height, rotation,
       duration_seconds, frame_count, fps, variable_frame_rate, converted_from, created_at)
     VALUES (?, ?, ?, ?, ?, NULL, 'mp4', 'video/mp4', 'avc', 'avc1.640028', 1920, 1080, 0, 600, 18000, 30, 0, NULL, ?)`,
  );
  const insReview = db.prepare(
    'INSERT INTO reviews (case_id, video_id, reviewer, status, last_frame_index, created_at, updated_at, finalised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insFrame = db.prepare(
    `INSERT INTO frames (case_id, source_name, sha256, mime, width, height, bytes, created_at, review_id, video_id, frame_index, media_time)
     VALUES (?, ?, ?, 'image/png', 1920, 1080, 2000000, ?, ?, ?, ?, ?)`,
  );
  const insAnalysis = db.prepare(
    `INSERT INTO analyses (frame_id, status, prompt, params_json, provenance_json, model_sha256, raw_text, thinking, answer, structured,
       suggested_tags_json, timings_json, error, created_at, completed_at)
     VALUES (?, 'completed', 'seed prompt', '{"maxTokens":512,"temperature":0}', '{}', 'abc', ?, ?, ?, 1, '[]', '{}', NULL, ?, ?)`,
  );
  const insNote = db.prepare('INSERT INTO notes (review_id, frame_id, text, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insTag = db.prepare('INSERT OR IGNORE INTO tags (review_id, frame_id, kind, value, label, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insSegment = db.prepare(
    `INSERT INTO segments (review_id, start_frame, end_frame, start_time, end_time, phase, label, note, author, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insAnnotation = db.prepare(
    `INSERT INTO annotations (frame_id, review_id, kind, geometry_json, label, color, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insAudit = db.prepare(
    "INSERT INTO audit_log (entity, entity_id, review_id, action, before_json, after_json, actor, at) VALUES ('annotation', ?, ?, 'create', NULL, ?, ?, ?)",
  );

  const casesCount = Math.ceil(size.reviews / 2);
  const chunk = 1000;
  for (let start = 0; start < size.reviews; start += chunk) {
    db.transaction(() => {
      for (let i = start; i < Math.min(size.reviews, start + chunk); i++) {
        const caseIndex = i % casesCount;
        const at = base + i * 3_600_000 + r.int(3_600_000);
        let caseId: number;
        if (i < casesCount) {
          const date = iso(base + r.int(730) * 86_400_000).slice(0, 10);
          caseId = Number(insCase.run(`CAT-${String(caseIndex + 1).padStart(5, '0')}`, date, r.pick(['OD', 'OS']), `Surgeon ${r.int(20)}`, r.sentence(8), iso(at), iso(at)).lastInsertRowid);
        } else caseId = caseIndex + 1;
        const videoId = Number(insVideo.run(caseId, `surgery-${i}.mp4`, `/videos/surgery-${i}.mp4`, 1e9 + i, `q${i}`, iso(at)).lastInsertRowid);
        const final = r.next() < 0.4;
        const reviewId = Number(
          insReview.run(caseId, videoId, `Reviewer ${r.int(8)}`, final ? 'final' : 'draft', r.int(18000), iso(at), iso(at + r.int(86_400_000)), final ? iso(at + 90_000_000) : null).lastInsertRowid,
        );
        reviewIds.push(reviewId);
        const frames: number[] = [];
        for (let f = 0; f < size.framesPerReview; f++) {
          const index = r.int(18000);
          const id = Number(insFrame.run(caseId, `frame-${index}.png`, `${i}-${f}`.padEnd(64, '0'), iso(at), reviewId, videoId, index, index / 30).lastInsertRowid);
          frames.push(id);
          frameIds.push(id);
          const thinking = `The frame shows ${r.sentence(40)}. ${r.sentence(30)}.`;
          const answer = `${r.pick(phases)} phase: ${r.sentence(25)}.`;
          insAnalysis.run(id, `Thinking Process:\n${thinking}\n\nFinal Answer:\n${answer}`, thinking, answer, iso(at), iso(at));
        }
        for (let n = 0; n < size.notesPerReview; n++) insNote.run(reviewId, r.next() < 0.5 ? r.pick(frames) : null, r.sentence(15 + r.int(30)), 'Reviewer', iso(at), iso(at));
        for (let t = 0; t < size.tagsPerReview; t++) {
          const kind = r.pick(['phase', 'instrument', 'finding'] as const);
          const value = kind === 'phase' ? r.pick(phases) : kind === 'instrument' ? r.pick(instruments) : r.pick(findings);
          insTag.run(reviewId, r.next() < 0.5 ? r.pick(frames) : null, kind, value, value.replace(/-/g, ' '), 'Reviewer', iso(at));
        }
        let t0 = 0;
        for (let s = 0; s < size.segmentsPerReview; s++) {
          const len = 100 + r.int(2000);
          insSegment.run(reviewId, t0, t0 + len, t0 / 30, (t0 + len) / 30, phases[(s * 3) % phases.length]!, '', r.next() < 0.3 ? r.sentence(6) : '', 'Reviewer', iso(at), iso(at));
          t0 += len + r.int(300);
        }
      }
    })();
    onProgress?.(`reviews ${Math.min(size.reviews, start + chunk)}/${size.reviews}`);
  }

  const kinds = ['box', 'arrow', 'ellipse', 'freehand', 'text'] as const;
  const labels = [...phases, ...instruments, 'cornea', 'pupil', 'lens', ...findings];
  for (let start = 0; start < size.annotations; start += 10_000) {
    db.transaction(() => {
      for (let i = start; i < Math.min(size.annotations, start + 10_000); i++) {
        const frameIndex = r.int(frameIds.length);
        const frameId = frameIds[frameIndex]!;
        const reviewId = reviewIds[Math.floor(frameIndex / size.framesPerReview)]!;
        const kind = r.pick(kinds);
        const g =
          kind === 'box' || kind === 'ellipse'
            ? { x: r.next() * 0.5, y: r.next() * 0.5, w: r.next() * 0.5, h: r.next() * 0.5 }
            : kind === 'arrow'
              ? { x1: r.next(), y1: r.next(), x2: r.next(), y2: r.next() }
              : kind === 'freehand'
                ? { points: Array.from({ length: 40 }, () => r.next()) }
                : { x: r.next(), y: r.next(), text: r.sentence(3) };
        const label = r.next() < 0.6 ? r.pick(labels) : null;
        const at = iso(base + r.int(730) * 86_400_000);
        const id = Number(insAnnotation.run(frameId, reviewId, kind, JSON.stringify(g), label, '#ffd400', 'Reviewer', at, at).lastInsertRowid);
        insAudit.run(id, reviewId, JSON.stringify({ id, frameId, reviewId, kind, geometry: g, label }), 'Reviewer', at);
      }
    })();
    onProgress?.(`annotations ${Math.min(size.annotations, start + 10_000)}/${size.annotations}`);
  }
  return { frameIds, reviewIds };
}
