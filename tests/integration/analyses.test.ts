// Stored analyses and their follow-up turns, the same suite on the workstation's library on SQLite and on a real
// PostgreSQL server: an analysis read back exactly (every field, the JSON columns as given), a frame's analyses newest
// first, turns numbered in the order asked and deleted from one on, the follow-ups' refusals in the same words, rows
// going with their frame and case, and no audit rows (these tables never had any).
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Analysis, AnalysisTurn } from '../../electron/api/schemas';
import { createAnalysesStore, type AnalysesStore } from '../../electron/core/analysis/analyses-store';
import { createFollowUps, type FollowUpDeps } from '../../electron/core/analysis/follow-ups';
import { createTurnsStore, type TurnsStore } from '../../electron/core/analysis/turns-store';
import { spannedTurns } from '../../electron/core/db/kysely-dialects';
import type { WorkstationDb } from '../../electron/core/db/workstation-db';
import { countRows, seedReviewRows, STORE_BACKENDS, type SeededRows } from '../fixtures/store-backends';

const at = (n: number) => `2026-02-01T10:00:${String(n).padStart(2, '0')}.000Z`;

/** A finished analysis with every optional part filled in (remote provenance, timings' extras, suggested tags). */
function analysisOf(frameId: number, n: number, o: Partial<Omit<Analysis, 'id'>> = {}): Omit<Analysis, 'id'> {
  return {
    frameId,
    status: 'completed',
    prompt: `Describe frame ${n}: “phase”, instruments — and risks.`,
    params: { maxTokens: 512, temperature: 0 },
    provenance: {
      engine: 'remote',
      engineVersion: '1.2.3',
      llamaCppRelease: 'b4500',
      device: 'cuda: NVIDIA H100',
      modelFile: 'medgemma-cataract',
      modelSha256: 'remote',
      mmprojFile: 'remote',
      mmprojSha256: 'remote',
      modelName: 'MedGemma cataract',
      serverUrl: 'https://gpu.example:8443',
      remoteModel: 'medgemma-cataract',
      promptLayout: 'gemma3-v2',
      serverContextSize: 8192,
      serverFingerprint: 'b4500-cuda',
    },
    rawText: `Thinking Process:\nThe forceps grasp the flap.\n\nFinal Answer:\nCapsulorhexis ${n}.`,
    thinking: 'The forceps grasp the flap.',
    answer: `Capsulorhexis ${n}.`,
    structured: true,
    suggestedTags: [{ kind: 'phase', id: 'capsulorhexis', label: 'Capsulorhexis', matched: ['capsulorhexis', 'flap'] }],
    timings: { loadMs: null, encodeMs: 123.4, timeToFirstTokenMs: 456.7, decodeTokensPerSecond: 21.3, promptTokens: 300, generatedTokens: 120, totalMs: 6012.5, reusedTokens: 40, imageEncoded: false, embeddingCached: true, cutByContext: true },
    error: null,
    createdAt: at(n),
    completedAt: at(n + 1),
    ...o,
  };
}

function turnOf(analysisId: number, n: number, o: Partial<Omit<AnalysisTurn, 'id' | 'position'>> = {}): Omit<AnalysisTurn, 'id' | 'position'> {
  return {
    analysisId,
    question: `Question ${n}: is the rhexis round?`,
    status: 'completed',
    answer: `Answer ${n}: yes, about 5 mm.`,
    params: { maxTokens: 256, temperature: 0 },
    provenance: { engine: 'node-llama-cpp', engineVersion: '3.21.1', llamaCppRelease: 'b0000', device: 'cpu', modelFile: 'm.gguf', modelSha256: 'a'.repeat(64), mmprojFile: 'p.gguf', mmprojSha256: 'b'.repeat(64), modelName: 'Tiny' },
    timings: { loadMs: 10.5, encodeMs: null, timeToFirstTokenMs: 20, decodeTokensPerSecond: null, promptTokens: null, generatedTokens: 0, totalMs: 30.1 },
    error: null,
    createdAt: at(20 + n),
    completedAt: at(21 + n),
    ...o,
  };
}

describe.each(STORE_BACKENDS)('analyses and follow-up turns on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  let db: Kysely<WorkstationDb>;
  let analyses: AnalysesStore;
  let turns: TurnsStore;
  let r: SeededRows;
  beforeEach(async () => {
    db = await backend.fresh();
    analyses = createAnalysesStore(db);
    turns = createTurnsStore(db);
    r = await seedReviewRows(db);
  });

  const count = (table: 'analyses' | 'analysis_turns' | 'audit_log') => countRows(db, table);

  it('stores an analysis and reads it back exactly, every field and JSON column as given', async () => {
    const input = analysisOf(r.frameIds[0]!, 1);
    const stored = await analyses.insert(input);
    expect(stored).toEqual({ id: stored.id, ...input });
    expect(await analyses.get(stored.id)).toEqual(stored);
    // The model hash has a column of its own (expected times group by it).
    const row = await db.selectFrom('analyses').select(['model_sha256', 'structured']).where('id', '=', stored.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ model_sha256: 'remote', structured: 1 });

    // A failed one: no thinking, nothing structured, no tags, its reason kept.
    const failed = await analyses.insert(
      analysisOf(r.frameIds[0]!, 3, { status: 'failed', rawText: '', thinking: null, answer: '', structured: false, suggestedTags: [], error: 'The model process stopped (out of memory).' }),
    );
    expect(await analyses.get(failed.id)).toEqual({ ...failed, status: 'failed', thinking: null, structured: false, suggestedTags: [], error: 'The model process stopped (out of memory).' });
    expect(await analyses.get(9999)).toBeNull();
    expect(await count('audit_log')).toBe(0);
  });

  it("lists a frame's analyses newest first (by completion, then id), only that frame's", async () => {
    const a = await analyses.insert(analysisOf(r.frameIds[0]!, 1));
    const b = await analyses.insert(analysisOf(r.frameIds[0]!, 5));
    const c = await analyses.insert(analysisOf(r.frameIds[0]!, 5, { status: 'cancelled', error: 'Cancelled by the reviewer.' }));
    const d = await analyses.insert(analysisOf(r.frameIds[0]!, 3));
    await analyses.insert(analysisOf(r.frameIds[1]!, 9));
    expect((await analyses.listForFrame(r.frameIds[0]!)).map((x) => x.id)).toEqual([c.id, b.id, d.id, a.id]);
    expect(await analyses.listForFrame(r.frameIds[2]!)).toEqual([]);
    expect((await analyses.listForFrame(r.frameIds[0]!))[0]).toEqual(c);
  });

  it('numbers turns in the order asked, lists them, and deletes one with every later turn', async () => {
    const a = await analyses.insert(analysisOf(r.frameIds[0]!, 1));
    const other = await analyses.insert(analysisOf(r.frameIds[1]!, 2));
    const t1 = await turns.insert(turnOf(a.id, 1));
    expect(t1).toEqual({ id: t1.id, position: 1, ...turnOf(a.id, 1) });
    const t2 = await turns.insert(turnOf(a.id, 2, { status: 'cancelled', answer: '', error: 'Cancelled by the reviewer.' }));
    const t3 = await turns.insert(turnOf(a.id, 3));
    const o1 = await turns.insert(turnOf(other.id, 1));
    expect([t2.position, t3.position, o1.position]).toEqual([2, 3, 1]);
    expect(await turns.get(t2.id)).toEqual(t2);
    expect(await turns.get(9999)).toBeNull();
    expect(await turns.listForAnalysis(a.id)).toEqual([t1, t2, t3]);
    const both = await turns.listForAnalyses([a.id, other.id, 9999]);
    expect([...both.entries()]).toEqual([
      [a.id, [t1, t2, t3]],
      [other.id, [o1]],
    ]);

    expect(await turns.deleteFrom(t2.id)).toBe(2);
    expect(await turns.listForAnalysis(a.id)).toEqual([t1]);
    expect(await turns.deleteFrom(t2.id)).toBe(0);
    // The next question continues after the last one kept.
    expect((await turns.insert(turnOf(a.id, 4))).position).toBe(2);
    expect(await turns.listForAnalysis(other.id)).toEqual([o1]);
    expect(await count('audit_log')).toBe(0);
  });

  it('gives questions asked at once different positions', async () => {
    const a = await analyses.insert(analysisOf(r.frameIds[0]!, 1));
    const asked = await Promise.all([1, 2, 3, 4].map((n) => turns.insert(turnOf(a.id, n))));
    expect(asked.map((t) => t.position).sort()).toEqual([1, 2, 3, 4]);
  });

  it('refuses an analysis of a missing frame and a turn of a missing analysis, writing nothing', async () => {
    await expect(analyses.insert(analysisOf(9999, 1))).rejects.toThrow();
    await expect(turns.insert(turnOf(9999, 1))).rejects.toThrow();
    expect([await count('analyses'), await count('analysis_turns')]).toEqual([0, 0]);
  });

  it("answers the follow-ups' refusals in the same words", async () => {
    const unreachable = () => {
      throw new Error('not reached');
    };
    const deps = { analyses, turns, emit: unreachable, ensureLoaded: unreachable, provenance: unreachable, timings: unreachable } as unknown as FollowUpDeps;
    const followUps = createFollowUps(deps);
    const done = await analyses.insert(analysisOf(r.frameIds[0]!, 1));
    const cancelled = await analyses.insert(analysisOf(r.frameIds[0]!, 2, { status: 'cancelled', error: 'Cancelled by the reviewer.' }));
    const failed = await analyses.insert(analysisOf(r.frameIds[0]!, 3, { status: 'failed', error: 'Out of memory.' }));
    await expect(followUps.ask(9999, 'Why?')).rejects.toThrow('Analysis 9999 does not exist (it may have been deleted).');
    await expect(followUps.ask(cancelled.id, 'Why?')).rejects.toThrow('This analysis was cancelled: analyse the frame again, then ask about it.');
    await expect(followUps.ask(failed.id, 'Why?')).rejects.toThrow('This analysis failed: analyse the frame again, then ask about it.');
    await expect(followUps.turns(9999)).rejects.toThrow(/^Analysis 9999 does not exist\.$/);
    await expect(followUps.deleteTurn(77)).rejects.toThrow('That follow-up (77) no longer exists.');
    const t = await turns.insert(turnOf(done.id, 1));
    expect(await followUps.turns(done.id)).toEqual([t]);
    expect(await followUps.deleteTurn(t.id)).toBe(1);
    expect(await followUps.turns(done.id)).toEqual([]);
  });

  it('go with their frame, and with their case', async () => {
    const a = await analyses.insert(analysisOf(r.frameIds[0]!, 1));
    const b = await analyses.insert(analysisOf(r.frameIds[1]!, 2));
    await turns.insert(turnOf(a.id, 1));
    await turns.insert(turnOf(b.id, 1));
    await sql`delete from frames where id = ${r.frameIds[0]!}`.execute(db);
    expect(await analyses.get(a.id)).toBeNull();
    expect(await turns.listForAnalysis(a.id)).toEqual([]);
    expect([await count('analyses'), await count('analysis_turns')]).toEqual([1, 1]);
    await sql`delete from cases where id = ${r.caseId}`.execute(db);
    expect([await count('analyses'), await count('analysis_turns')]).toEqual([0, 0]);
  });

  it.runIf(backend.name === 'SQLite')('still indexes analyses and turns for search on SQLite (its triggers)', async () => {
    const a = await analyses.insert(analysisOf(r.frameIds[0]!, 1));
    const t = await turns.insert(turnOf(a.id, 1));
    const docs = await sql<{ source: number; ref_id: number }>`select source, ref_id from search_docs where source in (3, 8) order by id`.execute(db);
    expect(docs.rows).toEqual([
      { source: 3, ref_id: a.id },
      { source: 8, ref_id: t.id },
    ]);
    await turns.deleteFrom(t.id);
    expect((await sql`select 1 from search_docs where source = 8`.execute(db)).rows).toEqual([]);
  });

  it('kept every transaction within one turn of the event loop', () => {
    expect(spannedTurns.count).toBe(0);
  });
});
