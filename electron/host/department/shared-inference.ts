// Shared inference: the department server asks its remote engine (vLLM or llama-server, OpenAI-compatible) about
// reviewers' frames, one question at a time on one GPU, taking turns between reviewers (core/department/fair-queue.ts).
// The engine is the app's own remote engine (inference/engines/remote-engine.ts: the Gemma 3 resize and prompt exactly
// as the app sends them), run inside this process, connected on first use. Its URL and key stay here: no answer, event
// or log line carries the key. A finished answer is stored with its provenance (analyses-store.ts); a job lives in this
// process's memory only (several server processes each have their own queue: give only one of them --engine-url).
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WorkstationError } from '../../api/errors';
import type { AnalysisTimings, Provenance } from '../../api/schemas';
import type { AnalysesStore, StoredAnalysis } from '../../core/department/analyses-store';
import type { JobEvent, JobState, JobTicket } from '../../api/department-wire';
export type { FinishedJobEvent, JobEvent, JobState, JobTicket } from '../../api/department-wire';
import { createFairQueue, type FairJobHooks } from '../../core/department/fair-queue';
import type { LibraryStore } from '../../core/department/library-store';
import { signedOffError } from '../../core/department/messages';
import type { LibraryUser } from '../../core/department/roles';
import { createRemoteEngine, type RemoteEngine } from '../../inference/engines/remote-engine';
import { PROMPT_LAYOUT, SEED_MAX_TOKENS, SEED_PROMPT } from '../../inference/prompt';
import type { AnalyzeResult, RemoteTimeouts } from '../../inference/protocol';
import { listModels, parseServerUrl, resolveTimeouts } from '../../inference/remote/openai-api';
import { DATABASE_UNAVAILABLE, HttpRefusal, isDatabaseUnavailable, securityHeaders } from './http';

export interface EngineConfig {
  url: string;
  key: string | null;
  /** The model id to ask for; by default the first the server lists (vLLM and llama-server serve one). */
  model?: string;
  /** Connection timeouts and retries (tests shorten them). */
  timeouts?: RemoteTimeouts;
}

export const NO_ENGINE_MESSAGE =
  'This department server has no model engine configured (--engine-url), so it cannot analyse frames. ' +
  'Ask its administrator to restart it with --engine-url pointing to the vLLM or llama-server server (and --engine-key-file for its API key).';

/** A reviewer may have this many questions waiting at once (each holds its frame in memory). */
export const MAX_WAITING_PER_USER = 200;
/** A finished job's outcome stays readable this long (a client that reconnects to its stream gets it). */
const KEEP_FINISHED_MS = 10 * 60_000;

export interface AskInput {
  frameIndex: number;
  /** The frame's PNG bytes. */
  image: Uint8Array;
  /** Asked instead of the seed prompt. */
  question?: string;
  maxTokens?: number;
}


export interface SharedInferenceOptions {
  engine: EngineConfig | null;
  analyses: AnalysesStore | null;
  store: LibraryStore;
  /** The department server's version (stored with each analysis). */
  version: string;
  tls: boolean;
  /** Keep-alive comments on a job's stream, this often. */
  pingMs: number;
  /** Questions answered at once (default 1: one GPU). */
  concurrency?: number;
  logError(message: string, err?: unknown): void;
  logInfo(message: string): void;
}

interface Job {
  id: number;
  user: LibraryUser;
  reviewId: number;
  state: JobState;
  position: number;
  text: string;
  terminal: JobEvent | null;
  listeners: Set<(e: JobEvent) => void>;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const isTerminal = (e: JobEvent) => e.type === 'done' || e.type === 'cancelled' || e.type === 'error';

export function createSharedInference(o: SharedInferenceOptions) {
  const queue = createFairQueue<void>({ concurrency: o.concurrency ?? 1 });
  const jobs = new Map<number, Job>();
  const timers = new Set<NodeJS.Timeout>();
  const streams = new Set<() => void>();
  const idle: RemoteEngine[] = [];
  const running = new Set<Promise<void>>();
  const key = o.engine?.key ?? null;
  let model: string | null = o.engine?.model ?? null;
  /** Never let the engine key out, whatever a message quotes. */
  const scrub = (text: string) => (key ? text.split(key).join('[redacted]') : text);

  function emit(job: Job, e: JobEvent): void {
    if (e.type === 'queued') job.position = e.position;
    if (e.type === 'token') job.text += e.text;
    if (isTerminal(e)) {
      job.terminal = e;
      const t = setTimeout(() => {
        timers.delete(t);
        jobs.delete(job.id);
      }, KEEP_FINISHED_MS);
      t.unref();
      timers.add(t);
    }
    for (const listener of [...job.listeners]) listener(e);
  }

  /** The model id to ask for: as configured, else the first the server lists (asked once). */
  async function modelId(engine: EngineConfig, signal: AbortSignal): Promise<string> {
    if (model) return model;
    const c = { address: parseServerUrl(engine.url), apiKey: engine.key, timeouts: resolveTimeouts(engine.timeouts) };
    const { models } = await listModels(c, signal);
    if (!models.length) throw new WorkstationError('unavailable', `The engine at ${c.address.host} lists no models: start it with the model loaded.`);
    model = models[0]!.id;
    o.logInfo(`Shared inference: the engine at ${c.address.host} serves "${model}"`);
    return model;
  }

  function provenance(engine: RemoteEngine, config: EngineConfig, r: AnalyzeResult): Provenance {
    const m = engine.loaded!;
    const remoteModel = engine.server?.model ?? m.name;
    return {
      engine: m.engine,
      engineVersion: m.engineVersion,
      llamaCppRelease: m.llamaCppRelease,
      device: [m.device.backend, ...m.device.names].join(': '),
      modelFile: remoteModel,
      modelSha256: 'remote',
      mmprojFile: 'remote',
      mmprojSha256: 'remote',
      modelName: m.name,
      serverUrl: config.url,
      remoteModel,
      promptLayout: m.promptLayout ?? PROMPT_LAYOUT,
      ...(m.contextSize > 0 ? { serverContextSize: m.contextSize } : {}),
      ...(r.serverFingerprint ? { serverFingerprint: r.serverFingerprint } : {}),
    };
  }

  function timings(engine: RemoteEngine, r: AnalyzeResult, totalMs: number): AnalysisTimings {
    const tps = r.generatedTokens > 1 && r.decodeMs > 0 ? ((r.generatedTokens - 1) * 1000) / r.decodeMs : null;
    return {
      loadMs: engine.loaded?.loadMs ?? null,
      encodeMs: null, // the server encodes the image; its time is not visible from here
      timeToFirstTokenMs: r.generatedTokens > 0 ? round(r.timeToFirstTokenMs) : null,
      decodeTokensPerSecond: tps === null ? null : round(tps),
      promptTokens: r.promptTokens > 0 ? r.promptTokens : null,
      generatedTokens: r.generatedTokens,
      totalMs: round(totalMs),
      ...(r.stopReason === 'length' ? { cutByContext: true } : {}),
    };
  }

  /** One question on one engine of the pool (connected on first use, again after a failed connection). */
  async function answer(job: Job, input: Required<Omit<AskInput, 'question'>> & { prompt: string; askedAt: string; imageSha256: string }, signal: AbortSignal): Promise<void> {
    const config = o.engine!;
    const engine = idle.pop() ?? createRemoteEngine();
    const stop = () => engine.abort();
    signal.addEventListener('abort', stop);
    const started = performance.now();
    try {
      if (!engine.loaded) {
        const id = await modelId(config, signal);
        if (signal.aborted) return emit(job, { type: 'cancelled', message: 'Cancelled.' });
        await engine.load({ engine: 'remote', url: config.url, model: id, apiKey: config.key, ...(config.timeouts ? { timeouts: config.timeouts } : {}) });
      }
      if (signal.aborted) return emit(job, { type: 'cancelled', message: 'Cancelled.' });
      const r = await engine.analyze({ image: input.image, prompt: input.prompt, maxTokens: input.maxTokens }, (text) => emit(job, { type: 'token', text }));
      if (r.stopReason === 'aborted' || signal.aborted) return emit(job, { type: 'cancelled', message: 'Cancelled while the model was answering; nothing was stored.' });
      const analysis = await o.analyses!.insert(job.user, {
        reviewId: job.reviewId,
        frameIndex: input.frameIndex,
        imageSha256: input.imageSha256,
        status: 'completed',
        prompt: input.prompt,
        params: { maxTokens: input.maxTokens, temperature: 0 },
        provenance: provenance(engine, config, r),
        rawText: r.text,
        stopReason: r.stopReason,
        timings: timings(engine, r, performance.now() - started),
        askedAt: input.askedAt,
        departmentBuild: o.version,
      });
      emit(job, { type: 'done', analysis });
    } catch (err) {
      if (signal.aborted || (err instanceof WorkstationError && err.code === 'cancelled')) return emit(job, { type: 'cancelled', message: 'Cancelled.' });
      if (isDatabaseUnavailable(err)) return emit(job, { type: 'error', code: 'unavailable', message: `The answer could not be stored: ${DATABASE_UNAVAILABLE.message}` });
      const known = err instanceof WorkstationError && err.code !== 'internal';
      if (!known) o.logError(`Shared inference: analysis job ${job.id} failed`, err);
      const message = known ? err.message : `The analysis failed: ${(err as Error).message ?? String(err)}`;
      emit(job, { type: 'error', code: known ? err.code : 'internal', message: scrub(message) });
    } finally {
      signal.removeEventListener('abort', stop);
      idle.push(engine);
    }
  }

  return {
    /** Queues a question about one frame of a review; refuses at once what cannot run. */
    async ask(user: LibraryUser, reviewId: number, input: AskInput): Promise<JobTicket> {
      if (!o.engine) throw new WorkstationError('unavailable', NO_ENGINE_MESSAGE);
      if (!o.analyses) throw new WorkstationError('unavailable', 'This department server was started without a place to store analyses, so it cannot analyse frames.');
      const review = await o.store.reviews.get(reviewId); // 404 for a review that does not exist
      if (review.status === 'final') throw signedOffError(review.signedOffBy, review.signedOffAt);
      const waiting = [...jobs.values()].filter((j) => j.user.id === user.id && j.state === 'queued').length;
      if (waiting >= MAX_WAITING_PER_USER) {
        throw new HttpRefusal(429, { code: 'unavailable', message: `You have ${waiting} analyses waiting already: wait for some to finish, or cancel them.` });
      }
      const job: Job = { id: 0, user, reviewId, state: 'queued', position: 0, text: '', terminal: null, listeners: new Set() };
      const prompt = input.question ?? SEED_PROMPT;
      const run = {
        frameIndex: input.frameIndex,
        image: input.image,
        maxTokens: input.maxTokens ?? SEED_MAX_TOKENS,
        prompt,
        askedAt: new Date().toISOString(),
        imageSha256: createHash('sha256').update(input.image).digest('hex'),
      };
      const submitted = queue.submit(
        String(user.id),
        (signal) => {
          const done = answer(job, run, signal);
          running.add(done);
          return done.finally(() => running.delete(done));
        },
        {
          onQueued: (position) => emit(job, { type: 'queued', position }),
          onStart: () => {
            job.state = 'running';
            job.position = 0;
            emit(job, { type: 'started' });
          },
        },
      );
      job.id = submitted.id;
      jobs.set(job.id, job);
      submitted.result.then(
        () => {
          job.state = job.terminal?.type === 'done' ? 'done' : job.terminal?.type === 'cancelled' ? 'cancelled' : 'failed';
        },
        (err: unknown) => {
          // Cancelled while it waited: it never ran.
          job.state = 'cancelled';
          emit(job, { type: 'cancelled', message: err instanceof Error ? err.message : 'Cancelled.' });
        },
      );
      return { jobId: job.id, position: job.position, state: job.state };
    },

    /**
     * Runs `task` when its turn comes in the same fair queue as the analyses (engine-proxy.ts: the workstations' own
     * requests to the engine take turns with the web page's by user). `signal` aborting takes a waiting task out of the
     * queue (the promise rejects with a 'cancelled' WorkstationError) and aborts a running one's signal; so does the
     * server stopping.
     */
    schedule<T>(user: LibraryUser, task: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, hooks: FairJobHooks = {}): Promise<T> {
      let value: T;
      const submitted = queue.submit(
        String(user.id),
        (s) => {
          const done = task(s).then((v) => {
            value = v;
          });
          running.add(done);
          return done.finally(() => running.delete(done));
        },
        hooks,
      );
      const stop = () => queue.cancel(submitted.id, 'Cancelled: the client went away.');
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      return submitted.result.then(() => value).finally(() => signal.removeEventListener('abort', stop));
    },

    /** Cancels a job: only who asked, or an administrator. */
    cancel(user: LibraryUser, jobId: number): { jobId: number; cancelled: true } {
      const job = jobs.get(jobId);
      if (!job) throw new WorkstationError('not-found', `Analysis job ${jobId} is not on this server (it finished long ago, or the server restarted).`);
      if (job.user.id !== user.id && user.role !== 'admin') throw new WorkstationError('forbidden', 'Only who asked for this analysis, or an administrator, can cancel it.');
      if (job.terminal || !queue.cancel(jobId, 'Cancelled by the reviewer.')) throw new WorkstationError('conflict', 'This analysis has already finished.');
      return { jobId, cancelled: true };
    },

    /** Cancels every queued and running job of `user`; how many. */
    cancelMine(user: LibraryUser): number {
      return queue.cancelUser(String(user.id), 'Cancelled by the reviewer.');
    },

    /** A review's stored analyses; 404 for a review that does not exist. */
    async list(reviewId: number): Promise<StoredAnalysis[]> {
      await o.store.reviews.get(reviewId);
      if (!o.analyses) return [];
      return o.analyses.listByReview(reviewId);
    },

    /** Writes a job's events as server-sent events: where it stands now, then what happens, until it ends. */
    follow(jobId: number, res: ServerResponse): void {
      const job = jobs.get(jobId);
      if (!job) throw new WorkstationError('not-found', `Analysis job ${jobId} is not on this server (it finished long ago, or the server restarted).`);
      res.writeHead(200, { ...securityHeaders(o.tls), 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
      const write = (e: JobEvent) => {
        if (!res.writableEnded && !res.destroyed) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      };
      const ping = setInterval(() => !res.writableEnded && res.write(': ping\n\n'), o.pingMs);
      const end = () => {
        clearInterval(ping);
        job.listeners.delete(listener);
        streams.delete(end);
        if (!res.writableEnded) res.end();
      };
      const listener = (e: JobEvent) => {
        write(e);
        if (isTerminal(e)) end();
      };
      res.on('error', () => undefined);
      res.on('close', end);
      streams.add(end);
      if (job.terminal) return listener(job.terminal);
      if (job.state === 'queued') write({ type: 'queued', position: job.position });
      else {
        write({ type: 'started' });
        if (job.text) write({ type: 'token', text: job.text });
      }
      job.listeners.add(listener);
    },

    /** Cancels everything, waits for the running questions to stop, ends the streams. */
    async close(): Promise<void> {
      queue.cancelAll('The department server is stopping.');
      await Promise.allSettled([...running]);
      for (const end of [...streams]) end();
      for (const t of timers) clearTimeout(t);
      for (const engine of idle.splice(0)) await engine.unload();
    },
  };
}

export type SharedInference = ReturnType<typeof createSharedInference>;
