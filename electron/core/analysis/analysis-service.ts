// Analysing a stored frame: queue it on the inference process, stream tokens as events, store one complete row.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import path from 'node:path';
import { splitAnalysisText } from '../../api/analysis-text';
import type { EventName, EventPayload } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { Analysis, AnalysisTimings, ExpectedTimes, InferenceStatus, Provenance } from '../../api/schemas';
import { createInferenceClient } from '../../inference/inference-client';
import { PROMPT_LAYOUT, SEED_MAX_TOKENS, SEED_PROMPT } from '../../inference/prompt';
import type { AnalyzeResult, RemoteLoadRequest } from '../../inference/protocol';
import { testRemoteConnection } from '../../inference/remote/test-connection';
import type { SpawnWorker } from '../../inference/worker-handle';
import { workstationKysely } from '../db/workstation-db';
import type { FrameStore } from '../frames/frame-store';
import type { FramesRepo } from '../frames/frames-repo';
import { createFileHashCache } from '../models/file-hash';
import type { AppLog } from '../logging/app-log';
import { createReviewGuard } from '../reviews/review-guard';
import type { SecretStore } from '../secrets/secret-store';
import type { SettingsRepo } from '../settings/settings-repo';
import { createAnalysesStore } from './analyses-store';
import { expectedTimes } from './expected-times';
import { createEngineLoader } from './engine-loader';
import { createFollowUps, followUpChips } from './follow-ups';
import { suggestTags } from './suggest-tags';
import { createTurnsStore } from './turns-store';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface AnalysisServiceDeps {
  db: Database;
  frames: FramesRepo;
  store: FrameStore;
  settings: SettingsRepo;
  spawnWorker: SpawnWorker;
  emit: Emit;
  /** Holds the remote server's API key ('remote-api-key'); without one the key lives in memory only. */
  secrets?: SecretStore;
  /** The app log: the model process's crashes and restarts, and the device each load ended up on. */
  log?: AppLog;
  /** Where the local engine keeps image embeddings and how many bytes it may (inference/embedding-cache.ts); absent: none kept. */
  embeddingCache?: { dir: string; maxBytes: number };
  /**
   * The department library's shared engine, as a remote load request (its proxy address, the session's token, the
   * certificate the link trusts, the model it serves); throws 'unavailable' when no department session is open.
   */
  departmentEngine?: () => Promise<RemoteLoadRequest>;
}

type AnalysisHandlers = Pick<
  Handlers,
  | 'inference.status'
  | 'inference.load'
  | 'inference.unload'
  | 'inference.testConnection'
  | 'analysis.start'
  | 'analysis.cancel'
  | 'analysis.list'
  | 'analysis.expected'
  | 'analysis.defaultPrompt'
  | 'analysis.ask'
  | 'analysis.turns'
  | 'analysis.deleteTurn'
  | 'analysis.followUpChips'
>;

export function createAnalysisService(d: AnalysisServiceDeps) {
  const analyses = createAnalysesStore(workstationKysely(d.db));
  const hashes = createFileHashCache(d.db);
  const logLoaded = loadedLogger(d.log);
  const client = createInferenceClient({
    spawnWorker: d.spawnWorker,
    onStatus: (s) => {
      logLoaded(s);
      d.emit('inference.status', s);
    },
    log: (level, message, details) => (level === 'error' ? d.log?.error(message, undefined, details) : d.log?.warn(message, details)),
  });
  const secrets = d.secrets ?? memorySecrets();
  const turns = createTurnsStore(workstationKysely(d.db));
  const guard = createReviewGuard(d.db);
  /** Jobs queued or running, by job id: the frame each analyses (a review waits for them before it is locked). */
  const active = new Map<string, number>();
  const engine = createEngineLoader({ client, settings: d.settings, secrets, hashes, ...(d.embeddingCache ? { embeddingCache: d.embeddingCache } : {}), ...(d.departmentEngine ? { departmentEngine: d.departmentEngine } : {}) });
  const { ensureLoaded, load, unload, savedKeyFor } = engine;

  async function provenance(r?: AnalyzeResult | null): Promise<Provenance> {
    const m = client.model;
    const req = client.loadRequest;
    if (!m || !req) throw new WorkstationError('unavailable', 'No model is loaded.');
    if (req.engine === 'remote') {
      // A server's model files and their hashes are not visible from here: the server and model id say what ran.
      return {
        engine: m.engine,
        engineVersion: m.engineVersion,
        llamaCppRelease: m.llamaCppRelease,
        device: [m.device.backend, ...m.device.names].join(': '),
        modelFile: req.model,
        modelSha256: 'remote',
        mmprojFile: 'remote',
        mmprojSha256: 'remote',
        modelName: m.name,
        serverUrl: req.url,
        remoteModel: req.model,
        promptLayout: m.promptLayout ?? PROMPT_LAYOUT,
        ...(m.contextSize > 0 ? { serverContextSize: m.contextSize } : {}),
        ...(r?.serverFingerprint ? { serverFingerprint: r.serverFingerprint } : {}),
      };
    }
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
      promptLayout: PROMPT_LAYOUT,
    };
  }

  /** How long an analysis takes with the loaded model on this device, from the ones stored; null with no model or none yet. */
  async function expected(): Promise<ExpectedTimes | null> {
    if (client.status().state !== 'ready' || !client.model) return null;
    return expectedTimes(d.db, await provenance());
  }

  function timings(r: AnalyzeResult | null, totalMs: number): AnalysisTimings {
    const decodeTps = r && r.generatedTokens > 1 && r.decodeMs > 0 ? ((r.generatedTokens - 1) * 1000) / r.decodeMs : null;
    // A remote server's image encode time is not visible from here; its prompt size only when it reports usage.
    const remote = client.loadRequest?.engine === 'remote';
    return {
      loadMs: client.model?.loadMs ?? null,
      encodeMs: r && !remote ? round(r.encodeMs) : null,
      timeToFirstTokenMs: r && r.generatedTokens > 0 ? round(r.timeToFirstTokenMs) : null,
      decodeTokensPerSecond: decodeTps === null ? null : round(decodeTps),
      promptTokens: r && !(remote && r.promptTokens === 0) ? r.promptTokens : null,
      generatedTokens: r?.generatedTokens ?? 0,
      totalMs: round(totalMs),
      ...(r?.reusedTokens ? { reusedTokens: r.reusedTokens } : {}),
      ...(r?.imageEncoded !== undefined ? { imageEncoded: r.imageEncoded } : {}),
      ...(r?.embeddingCached ? { embeddingCached: true } : {}),
      ...(r?.stopReason === 'length' ? { cutByContext: true } : {}),
    };
  }

  /**
   * Queues one analysis and stores its row. `batch` (the phase timeline): a cancelled or failed run stores nothing
   * (it resolves null when cancelled and rejects when it failed), so a paused or interrupted batch leaves no rows.
   */
  function run(jobId: string, frameId: number, frameKey: string, image: Uint8Array, prompt: string, maxTokens: number, priority: number, batch = false): Promise<Analysis | null> {
    const started = performance.now();
    const createdAt = new Date().toISOString();
    const status = (s: EventPayload<'analysis.status'>['status'], extra: Partial<EventPayload<'analysis.status'>> = {}) => {
      // Settled before anyone hears so: a review finalised on the 'completed' event must not find it still running.
      if (s === 'completed' || s === 'failed' || s === 'cancelled') active.delete(jobId);
      d.emit('analysis.status', { jobId, frameId, status: s, queuePosition: null, message: null, analysis: null, ...extra });
    };

    const store = async (r: AnalyzeResult | null, outcome: Analysis['status'], error: string | null) => {
      const raw = r?.text ?? '';
      const split = splitAnalysisText(raw);
      return analyses.insert({
        frameId,
        status: outcome,
        prompt,
        params: { maxTokens, temperature: 0 },
        provenance: await provenance(r),
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

    active.set(jobId, frameId);
    return client
      .analyze(
        jobId,
        { image, prompt, maxTokens, frameKey },
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
        if (batch && outcome === 'cancelled') {
          status('cancelled', { message: 'Cancelled.' });
          return null;
        }
        const analysis = await store(r, outcome, outcome === 'cancelled' ? 'Cancelled by the reviewer.' : null);
        status(outcome, { analysis, message: outcome === 'cancelled' ? 'Cancelled.' : null });
        return analysis;
      })
      .catch(async (err: unknown) => {
        const e = err instanceof WorkstationError ? err : new WorkstationError('internal', (err as Error).message);
        if (e.code === 'cancelled') {
          status('cancelled', { message: e.message });
          return null;
        }
        if (batch) {
          status('failed', { message: e.message });
          throw e;
        }
        // The failure is stored with its reason; partial text from a crashed run is not kept.
        let analysis: Analysis | null = null;
        try {
          if (client.loadRequest) analysis = await store(null, 'failed', e.message);
        } catch {
          analysis = null;
        }
        status('failed', { message: e.message, analysis });
        return analysis;
      })
      .finally(() => active.delete(jobId));
  }

  const activity = { start: (jobId: string, frameId: number) => void active.set(jobId, frameId), end: (jobId: string) => void active.delete(jobId) };
  const followUps = createFollowUps({ client, analyses, turns, frames: d.frames, store: d.store, emit: d.emit, ensureLoaded, provenance, timings, activity });

  const handlers: AnalysisHandlers = {
    'inference.status': () => client.status(),
    'inference.load': (req) => load(req),
    'inference.testConnection': async ({ url, model, apiKey }) => {
      const saved = apiKey === undefined ? savedKeyFor(url) : { key: apiKey || null, withheld: null };
      const r = await testRemoteConnection({ url, model, apiKey: saved.key });
      if (!r.ok && saved.withheld) r.message += ` The saved API key is only sent to the saved server (${saved.withheld}); enter the key for this server to test it.`;
      return r;
    },
    'inference.unload': () => unload(),
    'analysis.start': async ({ frameId, prompt, maxTokens }) => {
      const frame = d.frames.get(frameId);
      guard.writableFrame(frameId, 'analyse its frames again');
      await ensureLoaded();
      const image = new Uint8Array(d.store.read(frame.sha256, frame.mime, frame.bytes));
      const jobId = crypto.randomUUID();
      const queuePosition = client.status().queued + (client.status().runningAnalysisId ? 1 : 0);
      void run(jobId, frameId, frame.sha256, image, prompt ?? SEED_PROMPT, maxTokens ?? SEED_MAX_TOKENS, 1);
      return { jobId, queuePosition };
    },
    'analysis.cancel': ({ jobId }) => ({ cancelled: client.cancel(jobId) }),
    'analysis.list': async ({ frameId }) => {
      d.frames.get(frameId);
      return await analyses.listForFrame(frameId);
    },
    'analysis.expected': () => expected(),
    'analysis.defaultPrompt': () => ({ prompt: SEED_PROMPT, maxTokens: SEED_MAX_TOKENS }),
    'analysis.ask': async ({ analysisId, question, maxTokens }) => {
      // A question adds to the frame's record: not on a locked (finalised) review.
      const asked = await analyses.get(analysisId);
      if (asked) guard.writableFrame(asked.frameId, 'ask about its frames');
      const r = await followUps.ask(analysisId, question, maxTokens);
      return { jobId: r.jobId, queuePosition: r.queuePosition };
    },
    'analysis.turns': ({ analysisId }) => followUps.turns(analysisId),
    'analysis.deleteTurn': async ({ turnId }) => {
      const turn = await turns.get(turnId);
      const of = turn ? await analyses.get(turn.analysisId) : null;
      if (of) guard.writableFrame(of.frameId, 'change its follow-up questions');
      return { deleted: await followUps.deleteTurn(turnId) };
    },
    'analysis.followUpChips': () => followUpChips(),
  };

  return {
    handlers,
    expected,
    client,
    /** Follow-up questions (the CLI and tests await a turn's end through ask().done). */
    followUps,

    /** Loads an engine as inference.load does (models.activate loads through here). */
    load,
    /** inference.unload. */
    unload,
    /** Loads the engine from the settings unless one is loaded (or loading); throws a clear 'unavailable' otherwise. */
    ensureLoaded,
    /**
     * The department session changed (signed in again, out, or ended by the server): an engine loaded through the old
     * session lets go (its token is no longer good); the next analysis loads it again through the session now open.
     */
    departmentSessionChanged: engine.departmentSessionChanged,
    /** The frames with an analysis queued or running now. */
    activeFrames: (): number[] => [...new Set(active.values())],
    /**
     * Analyses a stored frame for a batch job (the phase timeline) with the seed prompt unless told otherwise, queued at
     * `priority` (the reviewer's single-frame analyses use 1, so they go first), streamed as the usual analysis events.
     * Resolves with the stored row, or null when cancelled (nothing stored); rejects when it fails (nothing stored).
     */
    async analyzeFrame(frameId: number, o: { jobId: string; priority: number; prompt?: string; maxTokens?: number }): Promise<Analysis | null> {
      const frame = d.frames.get(frameId);
      await ensureLoaded();
      const image = new Uint8Array(d.store.read(frame.sha256, frame.mime, frame.bytes));
      return run(o.jobId, frameId, frame.sha256, image, o.prompt ?? SEED_PROMPT, o.maxTokens ?? SEED_MAX_TOKENS, o.priority, true);
    },
    close: () => client.close(),
  };
}

/** Logs the device and engine a load ended up on (once per change: status events repeat while analyses run). */
function loadedLogger(log: AppLog | undefined): (s: InferenceStatus) => void {
  let last = '';
  return (s) => {
    if (!log || s.state !== 'ready' || !s.model) return;
    const facts = { model: s.model.name, engine: s.model.engine ?? 'local', device: s.device?.backend, devices: s.device?.names, fallback: s.device?.fallbackReason ?? null };
    const key = JSON.stringify(facts);
    if (key === last) return;
    last = key;
    log.info('Model loaded', facts);
  };
}

/** A secret store that forgets on exit, for callers (tests, CLIs) that give none. */
function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return {
    get: (name) => values.get(name) ?? null,
    set: (name, value) => void (value === null ? values.delete(name) : values.set(name, value)),
    has: (name) => values.has(name),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
