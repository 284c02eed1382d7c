// The local engine: node-llama-cpp chooses and loads the llama.cpp binaries for this machine (CPU, CUDA,
// Vulkan, Metal); our mtmd addon, linked against those same libraries, adds the image path.
import { existsSync } from 'node:fs';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { getLlama, getModuleVersion, type Llama } from 'node-llama-cpp';
import type { DevicePreference, InferenceDevice } from '../../api/schemas';
import { openEmbeddingCache, type EmbeddingCache, type EmbeddingKey } from '../embedding-cache';
import { checkModelPair } from '../gguf/inspect';
import { prepareForGemma3 } from '../image/gemma3-preprocess';
import { loadMtmdAddon, mtmdAddonDirCandidates, mtmdErrorCode, mtmdVariantFor, type MtmdGenerateResult, type MtmdModel } from '../native/addon';
import { WorkstationError } from '../../api/errors';
import { gemmaFollowUp, wholePrompt } from '../prompt';
import type { AnalyzeRequest, AnalyzeResult, EncodeRequest, EncodeResult, LoadedModel, LoadRequest, WorkerLoadStep } from '../protocol';

export class EngineInputError extends Error {}

const GPU_LABEL: Record<string, string> = { cuda: 'CUDA', vulkan: 'Vulkan', metal: 'Metal' };

/**
 * A GPU build can load and still have no device to run on (e.g. the Vulkan loader with only a software
 * driver, or none): node-llama-cpp then reports the GPU type with no device names and no VRAM. That is not a
 * GPU; say so and use the CPU.
 */
async function missingDevice(llama: Llama): Promise<string | null> {
  if (llama.gpu === false) return null;
  const names = await llama.getGpuDeviceNames().catch(() => [] as string[]);
  const vram = await llama.getVramState().catch(() => null);
  const hasMemory = vram !== null && (vram.total > 0 || vram.unifiedSize > 0);
  if (names.length > 0 && hasMemory) return null;
  return `The ${GPU_LABEL[llama.gpu] ?? llama.gpu} build loaded but found no GPU device to run on`;
}

/**
 * `npm install` builds the image addon only for the variants the machine could use then (scripts/build-native.mjs
 * --variants auto). A GPU build node-llama-cpp picks without an addon of its own cannot analyse images: use the CPU.
 */
export function missingAddon(llama: Pick<Llama, 'gpu' | 'llamaCppRelease'>, dirs = mtmdAddonDirCandidates()): string | null {
  if (llama.gpu === false) return null;
  const file = `mtmd-addon.${mtmdVariantFor(llama.gpu, llama.llamaCppRelease.release)}.node`;
  if (dirs.some((dir) => existsSync(path.join(dir, file)))) return null;
  return (
    `No image addon was built for node-llama-cpp's ${GPU_LABEL[llama.gpu] ?? llama.gpu} binaries (${file}; ` +
    `the install builds only the variants it finds a device for: ` +
    `"npm run build:native -- --variants ${llama.gpu}" builds it)`
  );
}

async function cpuInstead(llama: Llama | null, reason: string): Promise<{ llama: Llama; fallbackReason: string }> {
  await llama?.dispose().catch(() => undefined);
  return { llama: await getLlama({ build: 'never', progressLogs: false, gpu: false }), fallbackReason: `${reason}; running on the CPU instead.` };
}

export async function openLlama(preference: DevicePreference): Promise<{ llama: Llama; fallbackReason: string | null }> {
  const common = { build: 'never' as const, progressLogs: false };
  if (preference === 'cpu') return { llama: await getLlama({ ...common, gpu: false }), fallbackReason: null };
  let llama: Llama;
  try {
    llama = await getLlama({ ...common, gpu: preference });
  } catch (err) {
    const label = preference === 'auto' ? 'GPU' : (GPU_LABEL[preference] ?? preference);
    return cpuInstead(null, `The ${label} build could not be loaded (${(err as Error).message.split('\n')[0]})`);
  }
  if (preference === 'auto' && llama.gpu === false) return { llama, fallbackReason: 'No usable GPU backend was found on this machine; running on the CPU.' };
  const missing = (await missingDevice(llama)) ?? missingAddon(llama);
  return missing ? cpuInstead(llama, missing) : { llama, fallbackReason: null };
}

/**
 * CPU threads for image encode and generation: one per core that is useful for math (llama.cpp's count of
 * performance cores), at most 8. Measured at the real size (random weights of MedGemma 1.5 4B's shapes, Q4_K_M,
 * f16 projector) on 2 cores: 2 threads encode a frame in 257 s against 445 s with 1 (llama-mtmd-cli: 221–258 vs
 * 438 s) and decode 10.1 against 6.7 tok/s; the model runs in its own process, so the UI does not wait on it.
 * (An earlier choice of 1 thread on 2 cores was measured on the tiny test model, where encode takes milliseconds
 * and a second thread only added contention.) The reviewer's choice in Settings wins; then WORKSTATION_THREADS=N
 * (the tests run with 1, since they run two model processes side by side on 2 cores).
 */
export function threadCount(llama: Llama, chosen?: number | null): number {
  if (chosen && Number.isInteger(chosen) && chosen > 0) return chosen;
  const fromEnv = Number(process.env.WORKSTATION_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const cores = llama.cpuMathCores || os.availableParallelism();
  return Math.max(1, Math.min(cores, 8));
}

async function describeDevice(llama: Llama, fallbackReason: string | null, threads: number): Promise<InferenceDevice> {
  const backend = llama.gpu === false ? 'cpu' : llama.gpu;
  let names: string[] = [];
  let vramTotalBytes: number | null = null;
  let vramUsedBytes: number | null = null;
  if (llama.gpu !== false) {
    names = await llama.getGpuDeviceNames().catch(() => []);
    const vram = await llama.getVramState().catch(() => null);
    if (vram) {
      vramTotalBytes = vram.total;
      vramUsedBytes = vram.used;
    }
  } else {
    const cpu = os.cpus()[0]?.model?.trim();
    const n = `${threads} thread${threads === 1 ? '' : 's'}`;
    names = [cpu ? `${cpu} (${n})` : `CPU (${n})`];
  }
  return { backend, names, vramTotalBytes, vramUsedBytes, fallbackReason };
}

/**
 * The conversation the model's KV cache holds, as the engine asked it: which frame, and where each answer the
 * reviewer read starts in the cache. A follow-up whose history matches continues from there (no image encode).
 */
interface KeptConversation {
  frameKey: string;
  /** The system message the conversation began with (a follow-up with another one starts over). */
  system: string | undefined;
  turns: { question: string; answer: string; answerStart: number }[];
}

function contextFull(err: unknown): never {
  if (mtmdErrorCode(err) === 'MTMD_CONTEXT_FULL') {
    throw new WorkstationError(
      'unsupported-input',
      `${(err as Error).message} The conversation has reached the model's context limit: start a new analysis of this frame, ` +
        'ask for a shorter answer, or raise the context size in Models (it takes effect when the model is loaded again).',
    );
  }
  throw err;
}

export function createLocalEngine() {
  let llama: Llama | null = null;
  let model: MtmdModel | null = null;
  let loaded: LoadedModel | null = null;
  let kept: KeptConversation | null = null;
  /** Image embeddings on disk (embedding-cache.ts) and the key parts the loaded model fixes; null without a cache. */
  let embeddings: { cache: EmbeddingCache; key: Omit<EmbeddingKey, 'imageSha256'> } | null = null;
  /** A cancel that came while the analysis awaited the cache, before the model ran (model.abort() acts only while it runs). */
  let abortPending = false;

  async function unload(): Promise<void> {
    model?.dispose();
    model = null;
    loaded = null;
    kept = null;
    embeddings = null;
  }

  /** The stored embedding of this image, if the cache has a sound one (a damaged file is a miss). */
  async function storedEmbedding(image: Uint8Array): Promise<{ key: EmbeddingKey; embedding: Float32Array | null } | null> {
    if (!embeddings) return null;
    const key = { ...embeddings.key, imageSha256: crypto.createHash('sha256').update(image).digest('hex') };
    return { key, embedding: await embeddings.cache.get(key).catch(() => null) };
  }

  /** The kept turn the follow-up continues from, when the cache holds exactly the history it was given. */
  function continuation(frameKey: string, history: { question: string; answer: string }[], system: string | undefined): number | null {
    if (!model || !kept || kept.frameKey !== frameKey || kept.system !== system || model.state.frameKey !== frameKey) return null;
    if (history.length === 0 || history.length > kept.turns.length) return null;
    for (let i = 0; i < history.length; i++) {
      if (kept.turns[i]!.question !== history[i]!.question || kept.turns[i]!.answer !== history[i]!.answer) return null;
    }
    return kept.turns[history.length - 1]!.answerStart >= 0 ? history.length - 1 : null;
  }

  return {
    get loaded() {
      return loaded;
    },
    async load(req: LoadRequest, onStep: (step: WorkerLoadStep) => void = () => {}): Promise<LoadedModel> {
      await unload();
      const started = performance.now();
      onStep('checking');
      const pair = await checkModelPair(req.modelPath, req.mmprojPath);
      onStep('runtime');
      const opened = await openLlama(req.device);
      llama = opened.llama;
      const addon = loadMtmdAddon(llama);
      const gpu = llama.gpu !== false;
      onStep('weights');
      model = await addon.loadModel({
        modelPath: req.modelPath,
        mmprojPath: req.mmprojPath,
        contextSize: req.contextSize,
        batchSize: 512,
        threads: threadCount(llama, req.threads),
        gpuLayers: gpu ? 999 : 0,
        useGpuForVision: gpu,
      });
      const ec = req.embeddingCache;
      if (ec && ec.maxBytes > 0) {
        embeddings = {
          cache: openEmbeddingCache({ dir: ec.dir, maxBytes: ec.maxBytes, warn: (m) => console.warn(m) }),
          key: { projectorSha256: ec.projectorSha256, imageSize: model.imageSize, visionBackend: gpu ? String(llama.gpu) : 'cpu', imageTokens: model.imageTokens, embeddingLength: model.embeddingLength },
        };
      }
      loaded = {
        name: pair.text.name ?? path.basename(req.modelPath, '.gguf'),
        imageSize: model.imageSize,
        imageTokens: model.imageTokens,
        contextSize: model.contextSize, // what llama.cpp made (it rounds the request up), not what was asked
        device: await describeDevice(llama, opened.fallbackReason, threadCount(llama, req.threads)),
        engine: 'local (node-llama-cpp + mtmd addon)',
        engineVersion: `node-llama-cpp ${await getModuleVersion()}`,
        llamaCppRelease: llama.llamaCppRelease.release,
        loadMs: Math.round(performance.now() - started),
        ...(embeddings ? { embeddingKey: embeddings.key } : {}),
      };
      return loaded;
    },
    async analyze(req: AnalyzeRequest, onToken: (text: string) => void): Promise<AnalyzeResult> {
      if (!model || !loaded) throw new Error('No model is loaded.');
      const frameKey = req.frameKey ?? '';
      const history = req.conversation ?? [];
      const from = req.frameKey && history.length > 0 ? continuation(req.frameKey, history, req.system) : null;
      const t0 = performance.now();
      abortPending = false;
      let image;
      // A first turn: the image's embedding from the disk cache when it has one (no decode, no encode), else the pixels.
      const stored = from === null ? await storedEmbedding(req.image) : null;
      if (abortPending) {
        return { text: '', stopReason: 'aborted', promptTokens: 0, generatedTokens: 0, encodeMs: 0, timeToFirstTokenMs: 0, decodeMs: 0, preprocessMs: performance.now() - t0, imageEncoded: false };
      }
      if (from === null && !stored?.embedding) {
        try {
          image = prepareForGemma3(req.image, model.imageSize);
        } catch (err) {
          throw new EngineInputError((err as Error).message);
        }
      }
      const preprocessMs = performance.now() - t0;
      let r: MtmdGenerateResult;
      try {
        if (from !== null) {
          // A follow-up: the image and the earlier turns stay in the KV cache; only the new turn is evaluated.
          const last = kept!.turns[from]!;
          r = await model.appendTurn({ text: gemmaFollowUp(last.answer, req.prompt), fromPosition: last.answerStart, frameKey, maxTokens: req.maxTokens, onToken });
          kept!.turns.length = from + 1;
        } else {
          // A first turn, or a follow-up whose context was lost (another frame was analysed, the process restarted):
          // the whole conversation, image included.
          const prompt = wholePrompt(req.prompt, history, req.system);
          kept = null;
          const input = stored?.embedding ? { embedding: stored.embedding } : { image, keepEmbedding: stored !== null };
          r = await model.generate({ prompt, ...input, maxTokens: req.maxTokens, onToken, frameKey });
          if (r.embedding && stored) {
            await embeddings?.cache.put(stored.key, r.embedding).catch((err: Error) => console.warn(`The image embedding could not be kept on disk (${err.message}); the next analysis of this frame encodes it again.`));
          }
          if (r.stopReason !== 'aborted' || r.positions > 0) kept = { frameKey, system: req.system, turns: history.map((h) => ({ ...h, answerStart: -1 })) };
        }
      } catch (err) {
        contextFull(err);
      }
      // Where this answer starts in the cache: the next follow-up continues after it. A cancelled answer is not
      // kept as a turn (the reviewer's next question follows the last finished one).
      if (kept && r.stopReason !== 'aborted' && req.frameKey) {
        kept.turns.push({ question: req.prompt, answer: r.text, answerStart: r.reusedPositions + r.evaluatedTokens });
      }
      return {
        text: r.text,
        stopReason: r.stopReason,
        promptTokens: r.promptTokens,
        generatedTokens: r.generatedTokens,
        encodeMs: r.encodeMs,
        timeToFirstTokenMs: r.timeToFirstTokenMs,
        decodeMs: r.decodeMs,
        preprocessMs,
        reusedTokens: r.reusedPositions,
        imageEncoded: r.imageEncodes > 0,
        embeddingCached: r.usedEmbedding === true,
      };
    },
    /**
     * Work ahead: encodes the image and keeps its embedding in the disk cache, so a later analysis of it skips the
     * encode. Only the vision encoder runs (the KV cache keeps the conversation a follow-up continues). An image the
     * cache already holds is not encoded again. Cannot be interrupted once the encode runs.
     */
    async encode(req: EncodeRequest): Promise<EncodeResult> {
      if (!model || !loaded) throw new Error('No model is loaded.');
      if (!embeddings) throw new WorkstationError('unavailable', 'Image embeddings are not kept (the embedding cache is off), so there is nothing to encode ahead.');
      const { cache } = embeddings;
      const t0 = performance.now();
      abortPending = false;
      const stored = await storedEmbedding(req.image);
      if (stored?.embedding) return { alreadyStored: true, stored: true, encodeMs: 0, preprocessMs: performance.now() - t0 };
      if (abortPending || !stored) return { alreadyStored: false, stored: false, encodeMs: 0, preprocessMs: performance.now() - t0 };
      let image;
      try {
        image = prepareForGemma3(req.image, model.imageSize);
      } catch (err) {
        throw new EngineInputError((err as Error).message);
      }
      const preprocessMs = performance.now() - t0;
      const r = await model.encodeImage({ image });
      const kept = await cache.put(stored.key, r.embedding).then(
        () => true,
        (err: Error) => (console.warn(`The image embedding could not be kept on disk (${err.message}).`), false),
      );
      return { alreadyStored: false, stored: kept, encodeMs: r.encodeMs, preprocessMs };
    },
    /** What the model's KV cache holds (tests, benchmarks). */
    get kvState() {
      return model?.state ?? null;
    },
    abort(): void {
      abortPending = true;
      model?.abort();
    },
    unload,
  };
}
export type LocalEngine = ReturnType<typeof createLocalEngine>;
