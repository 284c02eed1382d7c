// Follow-up questions about an analysed frame. The conversation is the analysis (its prompt and answer) then the
// completed turns, in order; the local engine continues it in the KV cache it kept (no new image encode), a remote
// server gets it whole. Each turn is stored with its own provenance and timings; cancelled and failed turns are
// stored too, and left out of the context of later questions.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EventName, EventPayload } from '../../api/contract';
import { WorkstationError } from '../../api/errors';
import type { Analysis, AnalysisTimings, AnalysisTurn, Provenance } from '../../api/schemas';
import type { InferenceClient } from '../../inference/inference-client';
import { SEED_MAX_TOKENS } from '../../inference/prompt';
import type { AnalyzeResult } from '../../inference/protocol';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import type { AnalysesStore } from './analyses-store';
import type { TurnsStore } from './turns-store';
import chips from '../../../resources/prompts/follow-up-questions.json';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface FollowUpDeps {
  client: InferenceClient;
  analyses: AnalysesStore;
  turns: TurnsStore;
  frames: FramesRepo;
  store: FrameStore;
  emit: Emit;
  ensureLoaded(): Promise<void>;
  provenance(r?: AnalyzeResult | null): Promise<Provenance>;
  timings(r: AnalyzeResult | null, totalMs: number): AnalysisTimings;
  /** Which frames have a question running or queued (a review cannot be finalised under one). */
  activity?: { start(jobId: string, frameId: number): void; end(jobId: string): void };
}

/** The follow-up chips: resources/prompts/follow-up-questions.json (an installer may replace the file). */
export function followUpChips(file?: string): string[] {
  const data = (file ? JSON.parse(readFileSync(file, 'utf8')) : chips) as { questions?: unknown };
  return Array.isArray(data.questions) ? data.questions.filter((q): q is string => typeof q === 'string' && q.trim().length > 0).slice(0, 12) : [];
}

/** The conversation a new question continues: the analysis, then every completed turn. */
export function conversationOf(analysis: Analysis, turns: readonly AnalysisTurn[]): { question: string; answer: string }[] {
  return [{ question: analysis.prompt, answer: analysis.rawText }, ...turns.filter((t) => t.status === 'completed').map((t) => ({ question: t.question, answer: t.answer }))];
}

export function createFollowUps(d: FollowUpDeps) {
  /** Queues a follow-up on the conversation so far; resolves with the stored turn (null when cancelled before it started). */
  function run(jobId: string, analysis: Analysis, conversation: { question: string; answer: string }[], question: string, maxTokens: number): Promise<AnalysisTurn | null> {
    const frame = d.frames.get(analysis.frameId);
    const image = new Uint8Array(d.store.read(frame.sha256, frame.mime, frame.bytes));
    const started = performance.now();
    const createdAt = new Date().toISOString();
    const frameId = analysis.frameId;
    const status = (s: EventPayload<'analysis.status'>['status'], extra: Partial<EventPayload<'analysis.status'>> = {}) => {
      // Settled before anyone hears so: a review finalised on the 'completed' event must not find it still running.
      if (s === 'completed' || s === 'failed' || s === 'cancelled') d.activity?.end(jobId);
      d.emit('analysis.status', { jobId, frameId, status: s, queuePosition: null, message: null, analysis: null, turn: null, ...extra });
    };
    const store = async (r: AnalyzeResult | null, outcome: AnalysisTurn['status'], error: string | null) =>
      d.turns.insert({
        analysisId: analysis.id,
        question,
        status: outcome,
        answer: r?.text ?? '',
        params: { maxTokens, temperature: 0 },
        provenance: await d.provenance(r),
        timings: d.timings(r, performance.now() - started),
        error,
        createdAt,
        completedAt: new Date().toISOString(),
      });

    return d.client
      .analyze(jobId, { image, prompt: question, maxTokens, frameKey: frame.sha256, conversation }, {
        onQueued: (position) => status('queued', { queuePosition: position }),
        onStart: () => status('running'),
        onToken: (text) => d.emit('analysis.token', { jobId, frameId, text }),
      }, 1)
      .then(async (r) => {
        const outcome = r.stopReason === 'aborted' ? 'cancelled' : 'completed';
        const turn = await store(r, outcome, outcome === 'cancelled' ? 'Cancelled by the reviewer.' : null);
        status(outcome, { turn, message: outcome === 'cancelled' ? 'Cancelled.' : null });
        return turn;
      })
      .catch(async (err: unknown) => {
        const e = err instanceof WorkstationError ? err : new WorkstationError('internal', (err as Error).message);
        if (e.code === 'cancelled') {
          status('cancelled', { message: e.message });
          return null;
        }
        let turn: AnalysisTurn | null = null;
        try {
          if (d.client.loadRequest) turn = await store(null, 'failed', e.message);
        } catch {
          turn = null;
        }
        status('failed', { message: e.message, turn });
        return turn;
      });
  }

  return {
    async ask(analysisId: number, question: string, maxTokens = SEED_MAX_TOKENS): Promise<{ jobId: string; queuePosition: number; done: Promise<AnalysisTurn | null> }> {
      const analysis = await d.analyses.get(analysisId);
      if (!analysis) throw new WorkstationError('not-found', `Analysis ${analysisId} does not exist (it may have been deleted).`);
      if (analysis.status !== 'completed') {
        throw new WorkstationError('invalid-argument', `This analysis ${analysis.status === 'cancelled' ? 'was cancelled' : 'failed'}: analyse the frame again, then ask about it.`);
      }
      await d.ensureLoaded();
      const conversation = conversationOf(analysis, await d.turns.listForAnalysis(analysis.id));
      const jobId = crypto.randomUUID();
      const queuePosition = d.client.status().queued + (d.client.status().runningAnalysisId ? 1 : 0);
      const done = run(jobId, analysis, conversation, question.trim(), maxTokens);
      d.activity?.start(jobId, analysis.frameId);
      void done.catch(() => null).finally(() => d.activity?.end(jobId));
      return { jobId, queuePosition, done };
    },
    async turns(analysisId: number): Promise<AnalysisTurn[]> {
      if (!(await d.analyses.get(analysisId))) throw new WorkstationError('not-found', `Analysis ${analysisId} does not exist.`);
      return d.turns.listForAnalysis(analysisId);
    },
    async deleteTurn(turnId: number): Promise<number> {
      if (!(await d.turns.get(turnId))) throw new WorkstationError('not-found', `That follow-up (${turnId}) no longer exists.`);
      return d.turns.deleteFrom(turnId);
    },
  };
}
export type FollowUps = ReturnType<typeof createFollowUps>;
