// Typed loader for the mtmd image addon (see README.md in this folder).
//
// The addon links node-llama-cpp's prebuilt libllama/libggml without any RUNPATH and binds to the copy
// node-llama-cpp already loaded, so: call getLlama() first, pass its Llama here, and this picks the
// .node built for the very variant (CPU / CUDA / Vulkan / Metal) node-llama-cpp chose.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Llama } from 'node-llama-cpp';

export interface MtmdLoadOptions {
  modelPath: string;
  mmprojPath: string;
  /** Context length in tokens (0 = the model's training context). */
  contextSize: number;
  /** Raised to at least 256 and to the image's token count, so an image decodes in one batch. */
  batchSize: number;
  /** CPU threads for text and vision (1 is fastest on a 2-vCPU machine). */
  threads: number;
  /** Text-model layers to offload to the GPU (-1 = all, 0 = none). */
  gpuLayers: number;
  /** Run the vision encoder on the GPU backend when there is one. */
  useGpuForVision: boolean;
}

export interface MtmdImage {
  /** Must equal the model's imageSize: stretch the frame first (no letterbox, like the HF processor). */
  width: number;
  height: number;
  /** width * height * 3 bytes, RGBRGB… */
  rgb: Uint8Array;
}

export interface MtmdGenerateOptions {
  /**
   * The fully formatted prompt; with an image it holds defaultMarker() once where the image goes, e.g.
   * `<start_of_turn>user\n${marker}${text}<end_of_turn>\n<start_of_turn>model\n` (BOS is added).
   */
  prompt: string;
  image?: MtmdImage;
  /**
   * The image's embedding from an earlier call's `keepEmbedding` (imageTokens × embeddingLength values), instead of
   * `image` (not both): decoded as it is, the vision encoder does not run (imageEncodes 0, usedEmbedding true).
   */
  embedding?: Float32Array;
  /** With `image`: return the encoder's output in the result's `embedding` (kept even when the call is aborted after the encode). */
  keepEmbedding?: boolean;
  maxTokens: number;
  /** Called with each piece of text as it is generated (never a split UTF-8 character). */
  onToken: (text: string) => void;
  /** Names the image (e.g. the frame's sha256) in the kept KV cache, for appendTurn(). */
  frameKey?: string;
}

export interface MtmdAppendTurnOptions {
  /** The text appended after `fromPosition` (no BOS; special tokens are parsed), e.g. gemmaFollowUp(answer, question). */
  text: string;
  /** Where the text goes: positions before it are kept; the cache must hold `frameKey`'s conversation. */
  fromPosition: number;
  frameKey: string;
  maxTokens: number;
  onToken: (text: string) => void;
}

/** What the model's KV cache holds now (between generations). */
export interface MtmdKvState {
  /** The frameKey of the conversation in the cache; null when it holds none (fresh, or the last prompt failed). */
  frameKey: string | null;
  /** Positions filled (prompt, image and generated tokens). */
  positions: number;
  /** User turns evaluated since the cache was cleared. */
  turns: number;
  /** Image encodes since the cache was cleared: 1 for a conversation about a frame, however many turns. */
  imageEncodes: number;
  /** The image's positions [imageStart, imageEnd), -1 when none. */
  imageStart: number;
  imageEnd: number;
}

export type MtmdStopReason = 'eos' | 'max-tokens' | 'aborted';

export interface MtmdGenerateResult {
  /** Exactly the concatenation of the pieces passed to onToken. */
  text: string;
  stopReason: MtmdStopReason;
  /** Prompt tokens including the image's tokens. */
  promptTokens: number;
  generatedTokens: number;
  /** Vision encoder + projector. */
  encodeMs: number;
  /** Decoding the prompt (text tokens and image embeddings), without the encode. */
  promptEvalMs: number;
  /** From the start of the generation to the first sampled token (tokenize + encode + prompt eval + sample); 0 if stopped before. */
  timeToFirstTokenMs: number;
  /** From the first generated token to the end; tokens/s ≈ (generatedTokens - 1) / decodeMs * 1000. */
  decodeMs: number;
  /** KV positions kept from before this call (appendTurn: the image and the earlier turns). */
  reusedPositions: number;
  /** Prompt positions this call evaluated; the answer starts at reusedPositions + evaluatedTokens. */
  evaluatedTokens: number;
  /** KV positions after this call. */
  positions: number;
  /** Image encodes this call did (0 for appendTurn and for a given embedding). */
  imageEncodes: number;
  /** The image came from options.embedding (no encode). */
  usedEmbedding: boolean;
  /** The encoder's output (imageTokens × embeddingLength values) when keepEmbedding asked for it and the image was encoded. */
  embedding?: Float32Array;
  /** The generated token ids, in order (the end-of-turn token is not included). */
  tokens: number[];
}

/** What encodeImage() gives back. */
export interface MtmdEncodeResult {
  /** imageTokens × embeddingLength values. */
  embedding: Float32Array;
  /** Vision encoder + projector. */
  encodeMs: number;
  /** 1. */
  imageEncodes: number;
}

export interface MtmdModel {
  /** Input side of the vision encoder in pixels (from the mmproj), e.g. 224 or 896. */
  readonly imageSize: number;
  /** Tokens one image takes in the prompt (256 for 896). */
  readonly imageTokens: number;
  /** Values per image token in an embedding (the text model's input width). */
  readonly embeddingLength: number;
  /** llama_model_desc, e.g. "gemma3 4B Q4_K - Medium". */
  readonly description: string;
  readonly trainContextSize: number;
  /** The context and batch sizes in effect. */
  readonly contextSize: number;
  readonly batchSize: number;
  /** The mmproj's clip.projector_type, e.g. "gemma3". */
  readonly projectorType: string;
  /**
   * Greedy generation from a cleared KV cache. Rejects with code MTMD_BUSY while another generation
   * runs on this model, MTMD_DISPOSED after dispose(), MTMD_BAD_INPUT for a bad prompt/image.
   * If onToken throws, generation stops and the promise rejects with that error.
   */
  generate(options: MtmdGenerateOptions): Promise<MtmdGenerateResult>;
  /**
   * A follow-up turn on the kept KV cache: keeps positions before `fromPosition`, appends `text` (reusing positions
   * that already hold the same tokens) and generates greedily. Never encodes an image. Rejects with MTMD_STATE when
   * the cache does not hold `frameKey`'s conversation, MTMD_CONTEXT_FULL when it would not fit.
   */
  appendTurn(options: MtmdAppendTurnOptions): Promise<MtmdGenerateResult>;
  /**
   * The vision encoder only (work ahead): the image's embedding (imageTokens × embeddingLength values) for a later
   * `generate({ embedding })`. The text model does not run and the KV cache keeps its conversation. Cannot be
   * interrupted (abort() does nothing to it); rejects with MTMD_BUSY while a generation runs.
   */
  encodeImage(options: { image: MtmdImage }): Promise<MtmdEncodeResult>;
  /** The token ids generate() would evaluate for `prompt` (BOS added), -1 for each image position. */
  tokenize(prompt: string, withImage: boolean): number[];
  /** What the KV cache holds. */
  readonly state: MtmdKvState;
  /**
   * Stops a running generate within about one token (it resolves with stopReason 'aborted'); during
   * the image encode it takes effect right after the encode. No-op when nothing runs.
   */
  abort(): void;
  /** Frees everything (after a running generation has stopped); idempotent. */
  dispose(): void;
}

export interface MtmdAddon {
  /** The llama.cpp release the addon was compiled against (must equal node-llama-cpp's). */
  readonly llamaRelease: string;
  /** The node-llama-cpp binary variant it is linked to, e.g. "v0.4.0" or "cuda.v0.4.0". */
  readonly variant: string;
  /** The .node file that was loaded. */
  readonly file: string;
  /** The media marker to put in prompts where the image goes ("<__media__>"). */
  defaultMarker(): string;
  /** Backend devices and CPU features that this libllama sees. */
  systemInfo(): string;
  /** Rejects with an Error whose code is MTMD_FILE, MTMD_MODEL_LOAD, MTMD_MMPROJ_LOAD, MTMD_CONTEXT, … */
  loadModel(options: MtmdLoadOptions): Promise<MtmdModel>;
}

export type MtmdErrorCode =
  | 'MTMD_ADDON_LOAD'
  | 'MTMD_BAD_INPUT'
  | 'MTMD_BUSY'
  | 'MTMD_CONTEXT'
  | 'MTMD_CONTEXT_FULL'
  | 'MTMD_DECODE'
  | 'MTMD_DISPOSED'
  | 'MTMD_ENCODE'
  | 'MTMD_FILE'
  | 'MTMD_INTERNAL'
  | 'MTMD_MMPROJ_LOAD'
  | 'MTMD_MODEL_LOAD'
  | 'MTMD_NO_BACKEND'
  | 'MTMD_STATE'
  | 'MTMD_UNSUPPORTED';

/** Reads err.code from an error the addon rejected with. */
export function mtmdErrorCode(error: unknown): MtmdErrorCode | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('MTMD_') ? (code as MtmdErrorCode) : undefined;
}

/** Thrown by loadMtmdAddon when the addon does not fit the running node-llama-cpp. */
export class MtmdAddonLoadError extends Error {
  readonly code = 'MTMD_ADDON_LOAD';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MtmdAddonLoadError';
  }
}

/** The environment variable that points the packaged app at the folder holding the .node files. */
export const NATIVE_DIR_ENV = 'WORKSTATION_NATIVE_DIR';

interface BuildInfo {
  llamaRelease?: string;
  nodeLlamaCppVersion?: string;
  variants?: { variant: string; file: string }[];
}

interface RawAddon {
  llamaRelease: string;
  variant: string;
  defaultMarker(): string;
  systemInfo(): string;
  loadModel(options: MtmdLoadOptions): Promise<MtmdModel>;
}

/** node-llama-cpp's platform naming (its @node-llama-cpp/<platform>-<arch> packages). */
export function nativePlatformFolder(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const name = ({ linux: 'linux', darwin: 'mac', win32: 'win' } as Partial<Record<NodeJS.Platform, string>>)[platform];
  return `${name ?? platform}-${arch === 'arm' ? 'armv7l' : arch}`;
}

/** The libllama name part for a node-llama-cpp binary: "v0.4.0", "cuda.v0.4.0", "vulkan.v0.4.0", "metal.v0.4.0". */
export function mtmdVariantFor(gpu: Llama['gpu'], release: string): string {
  return gpu === false ? release : `${gpu}.${release}`;
}

/** Folders searched for the .node files, in order. */
export function mtmdAddonDirCandidates(): string[] {
  const override = process.env[NATIVE_DIR_ENV];
  if (override) return [resolve(override)];
  const folder = nativePlatformFolder();
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'build', folder)];
  // When this module is bundled (dist/…), look for the source tree's build folder above it.
  let dir = here;
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'electron', 'inference', 'native', 'build', folder));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return [...new Set(candidates)];
}

const loaded = new Map<string, MtmdAddon>();

/**
 * Loads the image addon that matches the Llama node-llama-cpp's getLlama() returned. Throws
 * MtmdAddonLoadError when the Llama is not a prebuilt build, when the addon was built for another
 * llama.cpp release, or when no addon exists for the variant node-llama-cpp loaded.
 */
export function loadMtmdAddon(llama: Llama): MtmdAddon {
  if (llama.buildType !== 'prebuilt') {
    throw new MtmdAddonLoadError(
      `The image addon links node-llama-cpp's prebuilt binaries, but this Llama is a "${llama.buildType}" build. ` +
        `Use getLlama({ build: "never" }) (or remove node-llama-cpp's local builds) so the prebuilt binaries are used.`,
    );
  }
  const release = llama.llamaCppRelease.release;
  const variant = mtmdVariantFor(llama.gpu, release);
  const fileName = `mtmd-addon.${variant}.node`;
  const dirs = mtmdAddonDirCandidates();
  const dir = dirs.find((d) => existsSync(join(d, fileName)));
  if (dir === undefined) {
    const built = dirs
      .flatMap((d) => readBuildInfo(d)?.variants?.map((v) => v.variant) ?? [])
      .filter((v, i, all) => all.indexOf(v) === i);
    throw new MtmdAddonLoadError(
      `No image addon for node-llama-cpp's ${llama.gpu === false ? 'CPU' : llama.gpu} binaries (${fileName}) was found in ` +
        `${dirs.join(', ')}${built.length > 0 ? `; built variants: ${built.join(', ')}` : ''}. ` +
        `Run "npm run build:native${llama.gpu === false ? '' : ` -- --variants ${llama.gpu}`}" (set ${NATIVE_DIR_ENV} to the folder holding the .node files in a packaged app).`,
    );
  }
  const info = readBuildInfo(dir);
  if (info?.llamaRelease !== undefined && info.llamaRelease !== release) {
    throw new MtmdAddonLoadError(
      `The image addon in ${dir} was built for llama.cpp ${info.llamaRelease}, but node-llama-cpp uses ${release}. ` +
        `Run "npm run build:native" again.`,
    );
  }

  const file = join(dir, fileName);
  const cached = loaded.get(file);
  if (cached) return cached;
  const other = loaded.values().next().value;
  if (other !== undefined) {
    // A second variant would bring a second libllama with an empty backend registry.
    throw new MtmdAddonLoadError(`The image addon ${other.file} is already loaded; one process can use only one variant.`);
  }

  let raw: RawAddon;
  try {
    raw = createRequire(import.meta.url)(file) as RawAddon;
  } catch (error) {
    throw new MtmdAddonLoadError(
      `Could not load the image addon ${file}: ${error instanceof Error ? error.message : String(error)}. ` +
        `It must be loaded after node-llama-cpp's getLlama() and match its binaries; "npm run build:native" rebuilds it.`,
      { cause: error },
    );
  }
  if (raw.llamaRelease !== release || raw.variant !== variant) {
    throw new MtmdAddonLoadError(
      `The image addon ${file} reports llama.cpp ${raw.llamaRelease} / variant ${raw.variant}, but node-llama-cpp ` +
        `loaded ${release} / ${variant}. Run "npm run build:native" again.`,
    );
  }
  const addon: MtmdAddon = Object.freeze({
    llamaRelease: raw.llamaRelease,
    variant: raw.variant,
    file,
    defaultMarker: () => raw.defaultMarker(),
    systemInfo: () => raw.systemInfo(),
    loadModel: (options: MtmdLoadOptions) => raw.loadModel(options),
  });
  loaded.set(file, addon);
  return addon;
}

function readBuildInfo(dir: string): BuildInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'build-info.json'), 'utf8')) as BuildInfo;
  } catch {
    return undefined;
  }
}
