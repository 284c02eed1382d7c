// Follow-up questions about an analysed frame, below the UI: real services, the real inference process and the
// tiny 224 model. Two questions stream, the second does not encode the image again, a cancelled turn is stored and
// left out of the context, turns are searchable, deletable, and survive a restart; the context limit is a clear
// message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { makePng } from '../fixtures/images';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';

type Status = EventPayload<'analysis.status'>;
const finished = (s: Status) => s.status === 'completed' || s.status === 'cancelled' || s.status === 'failed';

describe('follow-up questions on a frame', () => {
  let s: TestServices;
  let frameId: number;
  let analysisId: number;
  let model: { modelPath: string; mmprojPath: string };

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = startTestServices();
    const caseId = (await s.call('cases.create', { code: 'FU-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' })).id;
    frameId = (await s.call('frames.addImage', { caseId, fileName: 'still.png', data: makePng(320, 180, 7) })).id;
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    const { jobId } = await s.call('analysis.start', { frameId, maxTokens: 16 });
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    expect(end.status).toBe('completed');
    analysisId = end.analysis!.id;
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  async function ask(question: string, maxTokens = 12, during?: (jobId: string) => Promise<void>) {
    const { jobId } = await s.call('analysis.ask', { analysisId, question, maxTokens });
    await during?.(jobId);
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && finished(p));
    const tokens = s.events.filter((e) => e.name === 'analysis.token' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { text: string }).text);
    return { end, tokens };
  }

  it('offers the follow-up chips from resources/', async () => {
    const chips = await s.call('analysis.followUpChips', {});
    expect(chips).toContain('What is the main risk at this moment?');
    expect(chips).toContain('Which instrument is in use and where?');
  });

  it('answers two questions in the same context, streaming; neither encodes the image again', async () => {
    const first = await ask('What is the main risk at this moment?');
    expect(first.end.status).toBe('completed');
    const t1 = first.end.turn!;
    expect(t1.answer).toBe(first.tokens.join(''));
    expect(first.tokens.length).toBeGreaterThan(2);
    expect(t1).toMatchObject({ position: 1, question: 'What is the main risk at this moment?', analysisId });
    expect(t1.timings.encodeMs).toBe(0);
    expect(t1.timings.imageEncoded).toBe(false);
    expect(t1.timings.reusedTokens).toBeGreaterThan(16);
    expect(t1.provenance.promptLayout).toBe('gemma3-hf-chat-v2');

    const second = await ask('Which instrument is in use and where?');
    const t2 = second.end.turn!;
    expect(t2.position).toBe(2);
    expect(t2.timings.encodeMs).toBe(0);
    expect(t2.timings.imageEncoded).toBe(false);
    expect(t2.timings.reusedTokens).toBeGreaterThan(t1.timings.reusedTokens!);
    expect(t2.timings.timeToFirstTokenMs).toBeGreaterThan(0);
    expect((await s.call('analysis.turns', { analysisId })).map((t) => t.question)).toEqual(['What is the main risk at this moment?', 'Which instrument is in use and where?']);
  });

  it('a cancelled turn is stored as cancelled with what arrived, and the next question continues without it', async () => {
    const cancelled = await ask('Describe every structure you can see in great detail.', 1200, async (jobId) => {
      await s.waitFor('analysis.token', (p) => p.jobId === jobId);
      await s.call('analysis.cancel', { jobId });
    });
    expect(cancelled.end.status).toBe('cancelled');
    expect(cancelled.end.turn).toMatchObject({ status: 'cancelled', position: 3, error: 'Cancelled by the reviewer.' });
    const next = await ask('Is the capsule intact?');
    expect(next.end.turn).toMatchObject({ status: 'completed', position: 4 });
    expect(next.end.turn!.timings.imageEncoded).toBe(false);
  });

  it('finds a turn by its question in the library search, as its analysis', async () => {
    const r = await s.call('search.query', { text: 'capsule intact' });
    const hit = r.hits.find((h) => h.title === 'AI follow-up');
    expect(hit).toMatchObject({ kind: 'analysis', id: analysisId, frameId });
  });

  it('deleting a turn deletes the turns after it (they were asked with its answer in context)', async () => {
    const turns = await s.call('analysis.turns', { analysisId });
    expect(await s.call('analysis.deleteTurn', { turnId: turns[2]!.id })).toEqual({ deleted: 2 });
    expect((await s.call('analysis.turns', { analysisId })).map((t) => t.position)).toEqual([1, 2]);
    await expect(s.call('analysis.deleteTurn', { turnId: turns[2]!.id })).rejects.toThrow(/no longer exists/);
    const r = await s.call('search.query', { text: 'capsule intact' });
    expect(r.hits.filter((h) => h.title === 'AI follow-up')).toEqual([]);
  });

  it('a question that does not fit the context fails with a clear message and is stored as failed', async () => {
    const r = await ask('And now?', 2040);
    expect(r.end.status).toBe('failed');
    expect(r.end.message).toMatch(/context limit.*start a new analysis of this frame.*raise the context size/i);
    expect(r.end.turn?.status).toBe('failed');
  });

  it('the conversation survives a restart (stored), and a follow-up after it takes the image from the embedding cache, never encoding it', async () => {
    const dataDir = s.dataDir;
    await s.close();
    s = startTestServices(dataDir);
    const turns = await s.call('analysis.turns', { analysisId });
    expect(turns.map((t) => t.status)).toEqual(['completed', 'completed', 'failed']);
    await s.call('inference.load', { ...model, device: 'cpu', contextSize: 2048 });
    const again = await ask('What comes next?');
    // A new process: the whole conversation is evaluated again, its image from the embedding stored on disk.
    expect(again.end.turn!.timings).toMatchObject({ imageEncoded: false, embeddingCached: true, encodeMs: 0 });
    const after = await ask('Anything else?');
    expect(after.end.turn!.timings.imageEncoded).toBe(false);
  });
});
