// The inference client's small parts: the steps of a model load as they begin and end, the model as the status names
// it (files for the local engine; server and model id for the remote one, never the key), delays in words, the
// watchdog's clock, and the result of an analysis ended by abandoning its process.
import type { InferenceStatus, LoadStep } from '../api/schemas';
import type { AnalyzeResult, EngineLoadRequest, LoadedModel, WorkerLoadStep } from './protocol';

/** The steps of one load, each with when it began and ended (performance.now()). */
export function createLoadSteps() {
  let steps: Array<{ id: LoadStep['id']; label: string; at: number | null; end: number | null }> | null = null;
  return {
    begin(req: EngineLoadRequest): void {
      const plan: Array<[LoadStep['id'], string]> =
        req.engine === 'remote'
          ? [
              ['starting', 'Starting the model process'],
              ['connecting', 'Asking the server for its models'],
            ]
          : [
              ['starting', 'Starting the model process'],
              ['checking', 'Checking the model and projector files'],
              ['runtime', 'Starting llama.cpp for this device'],
              ['weights', 'Loading the weights and the vision projector'],
            ];
      steps = plan.map(([id, label]) => ({ id, label, at: null, end: null }));
    },
    /** Marks `id` running (and every earlier step done); false when no load is under way or the step is not its. */
    mark(id: LoadStep['id'] | WorkerLoadStep): boolean {
      if (!steps) return false;
      const t = performance.now();
      const i = steps.findIndex((s) => s.id === id);
      if (i < 0) return false;
      steps.forEach((s, j) => {
        if (j < i && s.end === null) {
          s.at ??= t;
          s.end = t;
        }
      });
      steps[i]!.at ??= t;
      return true;
    },
    snapshot(): LoadStep[] | undefined {
      if (!steps) return undefined;
      const t = performance.now();
      return steps.map((s) => ({
        id: s.id,
        label: s.label,
        state: s.end !== null ? 'done' : s.at !== null ? 'running' : 'pending',
        ms: s.at === null ? null : Math.round((s.end ?? t) - s.at),
      }));
    },
    clear(): void {
      steps = null;
    },
  };
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** The status line's model: files for the local engine; server and model id for the remote one (never the key). */
export function describeModel(model: LoadedModel, req: EngineLoadRequest): NonNullable<InferenceStatus['model']> {
  const common = { name: model.name, imageSize: model.imageSize, contextSize: model.contextSize };
  if (req.engine === 'remote') return { ...common, modelPath: '', mmprojPath: '', engine: 'remote', serverUrl: req.url, remoteModel: req.model };
  return { ...common, modelPath: req.modelPath, mmprojPath: req.mmprojPath };
}

/** Calls `onSilent` while active and nothing happened for `silentMs` (checked a few times per period). */
export function createWatchdog(silentMs: number, onSilent: (silentMs: number) => void) {
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  return {
    start(): void {
      last = Date.now();
      if (timer) return;
      timer = setInterval(() => {
        const silent = Date.now() - last;
        if (silent >= silentMs) onSilent(silent);
      }, Math.max(50, Math.min(5_000, Math.floor(silentMs / 4))));
      timer.unref?.();
    },
    touch(): void {
      last = Date.now();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** A cancelled analysis whose process was ended: what it streamed, marked aborted; no tokens means it was encoding. */
export function cutShort(text: string, tokens: number, elapsedMs: number): AnalyzeResult {
  return {
    text,
    stopReason: 'aborted',
    promptTokens: 0,
    generatedTokens: tokens,
    encodeMs: tokens === 0 ? Math.round(elapsedMs) : 0,
    timeToFirstTokenMs: 0,
    decodeMs: 0,
    preprocessMs: 0,
    imageEncoded: false,
  };
}
