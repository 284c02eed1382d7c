// Analyses in the department library: what the model said about one frame of a review when a reviewer asked the
// department server's shared engine (host/department/shared-inference.ts), with the provenance the app records for
// its own analyses (model, engine, server, prompt layout, timings) plus who asked, when, the department server's
// build and the frame's sha256. Written once, when the answer is complete, with an audit row naming who asked, and
// announced to the review's viewers (`analysis.created`, changes.ts).
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { AnalysisTimings, GenerationParams, Provenance } from '../../api/schemas';
import { splitAnalysisText } from '../../api/analysis-text';
import { writeAudit } from './audit';
import { writeTransaction, type ChangeSink } from './changes';
import type { Clock, LibraryDb, LibraryDbHandle, LibraryDialect } from './db';
import type { LibraryUser } from './roles';
import type { StoredAnalysis } from '../../api/department-wire';
export type { AnalysisStopReason, StoredAnalysis, StoredAnalysisStatus } from '../../api/department-wire';

/** What the server stores for a finished job (the rest of StoredAnalysis is derived from it, or set on insert). */
export type NewStoredAnalysis = Pick<
  StoredAnalysis,
  'reviewId' | 'frameIndex' | 'imageSha256' | 'status' | 'prompt' | 'params' | 'provenance' | 'rawText' | 'stopReason' | 'timings' | 'askedAt' | 'departmentBuild'
>;

export interface AnalysesStore {
  /** Stores a finished analysis (and an audit row naming who asked), in one transaction. */
  insert(askedBy: LibraryUser, input: NewStoredAnalysis): Promise<StoredAnalysis>;
  /** A review's analyses by frame, then in the order they finished. */
  listByReview(reviewId: number): Promise<StoredAnalysis[]>;
  get(id: number): Promise<StoredAnalysis | undefined>;
}

/** Migration 0005-analyses: the analyses table (migrations.ts lists it). */
export function analysesMigration(dialect: LibraryDialect): Migration {
  const pg = dialect === 'postgres';
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement());
  const ts = pg ? 'timestamptz' : 'text';
  const oneOf = (column: string, values: readonly string[]) => sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('analyses')
        .addColumn('id', 'integer', id)
        .addColumn('review_id', 'integer', (c) => c.notNull().references('reviews.id').onDelete('cascade'))
        .addColumn('frame_index', 'integer', (c) => c.notNull())
        .addColumn('image_sha256', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('params_json', 'text', (c) => c.notNull())
        .addColumn('provenance_json', 'text', (c) => c.notNull())
        .addColumn('raw_text', 'text', (c) => c.notNull())
        .addColumn('stop_reason', 'text', (c) => c.notNull())
        .addColumn('timings_json', 'text', (c) => c.notNull())
        .addColumn('asked_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('asked_at', ts, (c) => c.notNull())
        .addColumn('completed_at', ts, (c) => c.notNull())
        .addColumn('department_build', 'text', (c) => c.notNull())
        .addCheckConstraint('analyses_status_check', oneOf('status', ['completed', 'cancelled', 'failed']))
        .addCheckConstraint('analyses_stop_reason_check', oneOf('stop_reason', ['eos', 'max-tokens', 'aborted', 'length']))
        .addCheckConstraint('analyses_frame_check', sql`frame_index >= 0`)
        .execute();
      await db.schema.createIndex('analyses_review_frame').on('analyses').columns(['review_id', 'frame_index']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('analyses').execute();
    },
  };
}

function selectAnalyses(db: Kysely<LibraryDb>) {
  return db
    .selectFrom('analyses')
    .innerJoin('users', 'users.id', 'analyses.asked_by')
    .selectAll('analyses')
    .select('users.display_name as asked_by_name');
}

type Row = Awaited<ReturnType<ReturnType<typeof selectAnalyses>['executeTakeFirstOrThrow']>>;

function toAnalysis(r: Row): StoredAnalysis {
  const split = splitAnalysisText(r.raw_text);
  return {
    id: r.id,
    reviewId: r.review_id,
    frameIndex: r.frame_index,
    imageSha256: r.image_sha256,
    status: r.status,
    prompt: r.prompt,
    params: JSON.parse(r.params_json) as GenerationParams,
    provenance: JSON.parse(r.provenance_json) as Provenance,
    rawText: r.raw_text,
    thinking: split.thinking,
    answer: split.answer,
    structured: split.structured,
    stopReason: r.stop_reason,
    timings: JSON.parse(r.timings_json) as AnalysisTimings,
    askedBy: { id: r.asked_by, displayName: r.asked_by_name },
    askedAt: r.asked_at,
    completedAt: r.completed_at,
    departmentBuild: r.department_build,
  };
}

export interface AnalysesStoreOptions {
  now?: Clock;
  /** Where each stored analysis is announced (changes.ts: the department server's live updates). */
  changes?: ChangeSink;
}

/** The analyses of an open, migrated library (openLibraryDb + migrateLibrary). */
export function createAnalysesStore(handle: LibraryDbHandle, options: AnalysesStoreOptions = {}): AnalysesStore {
  const { db } = handle;
  const now = options.now ?? (() => new Date());
  const read = async (from: Kysely<LibraryDb>, id: number) => {
    const row = await selectAnalyses(from).where('analyses.id', '=', id).executeTakeFirst();
    return row && toAnalysis(row);
  };
  const get = (id: number) => read(db, id);
  return {
    async insert(askedBy, a) {
      return writeTransaction(db, options.changes, async (trx, emit) => {
        const at = now().toISOString();
        const { id } = await trx
          .insertInto('analyses')
          .values({
            review_id: a.reviewId,
            frame_index: a.frameIndex,
            image_sha256: a.imageSha256,
            status: a.status,
            prompt: a.prompt,
            params_json: JSON.stringify(a.params),
            provenance_json: JSON.stringify(a.provenance),
            raw_text: a.rawText,
            stop_reason: a.stopReason,
            timings_json: JSON.stringify(a.timings),
            asked_by: askedBy.id,
            asked_at: a.askedAt,
            completed_at: at,
            department_build: a.departmentBuild,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        // The review's trail shows the question; the analysis row holds the rest.
        await writeAudit(trx, {
          at,
          userId: askedBy.id,
          action: 'analysis.create',
          entity: 'review',
          entityId: a.reviewId,
          detail: { analysisId: id, frameIndex: a.frameIndex, model: a.provenance.modelName, stopReason: a.stopReason },
        });
        const stored = await read(trx, id);
        if (!stored) throw new Error(`Analysis ${id} was not found after it was stored.`);
        await emit({ type: 'analysis.created', reviewId: a.reviewId, analysis: stored });
        return stored;
      });
    },
    async listByReview(reviewId) {
      const rows = await selectAnalyses(db).where('analyses.review_id', '=', reviewId).orderBy('analyses.frame_index').orderBy('analyses.id').execute();
      return rows.map(toAnalysis);
    },
    get,
  };
}
