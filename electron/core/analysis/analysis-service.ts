// Analysing a stored frame: queue it on the inference process, stream tokens as events, store one complete row.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import path from 'node:path';
import { splitAnalysisText } from '../../api/analysis-text';
import type { EventName, EventPayload } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { Analysis, AnalysisTimings, Provenance } from '../../api/schemas';
import { createInferenceClient } from '../../inference/inference-client';
import { SEED_MAX_TOKENS, SEED_PROMPT } from '../../inference/prompt';
import type { AnalyzeResult } from '../../inference/protocol';
import type { SpawnWorker } from '../../inference/worker-handle';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import { createFileHashCache } from '../models/file-hash';
import type { SettingsRepo } from '../settings/settings-repo';
import { createAnalysesRepo } from './analyses-repo';
import { suggestTags } from './suggest-tags';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface AnalysisServiceDeps {
  db: Database;
  frames: FramesRepo;
  store: FrameStore;
  settings: SettingsRepo;
  spawnWorker: SpawnWorker;
  emit: Emit;
}

type AnalysisHandlers = Pick<
  Handlers,
  'inference.status' | 'inference.load' | 'inference.unload' | 'analysis.start' | 'analysis.cancel' | 'analysis.list' | 'analysis.defaultPrompt'
>;

export function createAnalysisService(d: AnalysisServiceDeps) {
  const analyses = createAnalysesRepo(d.db);
  const hashes = createFileHashCache(d.db);
  const client = createInferenceClient({ spawnWorker: d.spawnWorker, onStatus: (s) => d.emit('inference.status', s) });

  async function provenance(): Promise<Provenance> {
    const m = client.model;
    const req = client.loadRequest;
    if (!m || !req) throw new WorkstationError('unavailable', 'No model is loaded.');
    const [modelSha256, mmprojSha256] = await Promise.all([hashes.hash(req.modelPath), hashes.hash(req.mmprojPath)]);
    return {
      engine: m.engine,
      engineVersion: m.engineVersion,
      llamaCppRelease: m.llamaCppRelease,
      device: [m.device.backend, ...m.device.names].join(': '),
      modelFile: path.basename(req.modelPath),
      modelSha256,
      mmprojFile: path.basename(req.mmprojPath),
      mmprojSha256,
      modelName: m.name,
    };
  }

  function timings(r: AnalyzeResult | null, totalMs: number): AnalysisTimings {
    const decodeTps = r && r.generatedTokens > 1 && r.decodeMs > 0 ? ((r.generatedTokens - 1) * 1000) / r.decodeMs : null;
    return {
      loadMs: client.model?.loadMs ?? null,
      encodeMs: r ? round(r.encodeMs) : null,
      timeToFirstTokenMs: r && r.generatedTokens > 0 ? round(r.timeToFirstTokenMs) : null,
      decodeTokensPerSecond: decodeTps === null ? null : round(decodeTps),
      promptTokens: r?.promptTokens ?? null,
      generatedTokens: r?.generatedTokens ?? 0,
      totalMs: round(totalMs),
    };
  }

  async function ensureLoaded(): Promise<void> {
    const st = client.status().state;
    if (st === 'ready' || st === 'loading' || st === 'crashed') return;
    const s = d.settings.get();
    if (!s.modelPath || !s.mmprojPath) throw new WorkstationError('unavailable', 'No model is loaded. Open Models and load the model files first.');
    await client.load({ modelPath: s.modelPath, mmprojPath: s.mmprojPath, device: s.devicePreference, contextSize: s.contextSize });
  }

  function run(jobId: string, frameId: number, image: Uint8Array, prompt: string, maxTokens: number, priority: number) {
    const started = performance.now();
    const createdAt = new Date().toISOString();
    const status = (s: EventPayload<'analysis.status'>['status'], extra: Partial<EventPayload<'analysis.status'>> = {}) =>
      d.emit('analysis.status', { jobId, frameId, status: s, queuePosition: null, message: null, analysis: null, ...extra });

    const store = async (r: AnalyzeResult | null, outcome: Analysis['status'], error: string | null) => {
      const raw = r?.text ?? '';
      const split = splitAnalysisText(raw);
      return analyses.insert({
        frameId,
        status: outcome,
        prompt,
        params: { maxTokens, temperature: 0 },
        provenance: await provenance(),
        rawText: raw,
        thinking: split.thinking,
        answer: split.answer,
        structured: split.structured,
        suggestedTags: outcome === 'failed' ? [] : suggestTags(raw),
        timings: timings(r, performance.now() - started),
        error,
        createdAt,
        completedAt: new Date().toISOString(),
      });
    };

    return client
      .analyze(
        jobId,
        { image, prompt, maxTokens },
        {
          onQueued: (position) => status('queued', { queuePosition: position }),
          onStart: () => status('running'),
          onToken: (text) => {
            d.emit('analysis.token', { jobId, frameId, text });
          },
        },
        priority,
      )
      .then(async (r) => {
        const outcome = r.stopReason === 'aborted' ? 'cancelled' : 'completed';
        const analysis = await store(r, outcome, outcome === 'cancelled' ? 'Cancelled by the reviewer.' : null);
        status(outcome, { analysis, message: outcome === 'cancelled' ? 'Cancelled.' : null });
      })
      .catch(async (err: unknown) => {
        const e = err instanceof WorkstationError ? err : new WorkstationError('internal', (err as Error).message);
        if (e.code === 'cancelled') {
          status('cancelled', { message: e.message });
          return;
        }
        // The failure is stored with its reason; partial text from a crashed run is not kept.
        let analysis: Analysis | null = null;
        try {
          if (client.loadRequest) analysis = await store(null, 'failed', e.message);
        } catch {
          analysis = null;
        }
        status('failed', { message: e.message, analysis });
      });
  }

  const handlers: AnalysisHandlers = {
    'inference.status': () => client.status(),
    'inference.load': async (req) => {
      await client.load(req);
      d.settings.update({ modelPath: req.modelPath, mmprojPath: req.mmprojPath, devicePreference: req.device, contextSize: req.contextSize });
      void hashes.hash(req.modelPath).catch(() => undefined);
      void hashes.hash(req.mmprojPath).catch(() => undefined);
      return client.status();
    },
    'inference.unload': async () => {
      await client.unload();
      return client.status();
    },
    'analysis.start': async ({ frameId, prompt, maxTokens }) => {
      const frame = d.frames.get(frameId);
      await ensureLoaded();
      const image = new Uint8Array(d.store.read(frame.sha256, frame.mime));
      const jobId = crypto.randomUUID();
      const queuePosition = client.status().queued + (client.status().runningAnalysisId ? 1 : 0);
      void run(jobId, frameId, image, prompt ?? SEED_PROMPT, maxTokens ?? SEED_MAX_TOKENS, 1);
      return { jobId, queuePosition };
    },
    'analysis.cancel': ({ jobId }) => ({ cancelled: client.cancel(jobId) }),
    'analysis.list': ({ frameId }) => {
      d.frames.get(frameId);
      return analyses.listForFrame(frameId);
    },
    'analysis.defaultPrompt': () => ({ prompt: SEED_PROMPT, maxTokens: SEED_MAX_TOKENS }),
  };

  return {
    handlers,
    client,
    close: () => client.close(),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
