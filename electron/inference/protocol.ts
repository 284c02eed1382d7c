// Messages between the app (inference client) and the inference process (worker-main). Plain objects that
// survive structured clone; Uint8Array for image bytes.
import type { DevicePreference, InferenceDevice } from '../api/schemas';
import type { EmbeddingCacheConfig, EmbeddingKey } from './embedding-cache';

export interface LoadRequest {
  /** The local engine (node-llama-cpp + mtmd addon); the default when absent. */
  engine?: 'local';
  modelPath: string;
  mmprojPath: string;
  device: DevicePreference;
  contextSize: number;
  /** CPU threads (Settings); absent or null: one per math core, at most 8. */
  threads?: number | null;
  /** Keep image embeddings on disk so a frame is encoded once (embedding-cache.ts); absent: encode every time. */
  embeddingCache?: EmbeddingCacheConfig;
}

/** An OpenAI-compatible server (vLLM, llama-server, `npm run serve-model`) instead of local model files. */
export interface RemoteLoadRequest {
  engine: 'remote';
  /** The server's base address, e.g. http://gpu-server:8000 (a trailing /v1 is accepted). */
  url: string;
  /** The model id the server lists in /v1/models. */
  model: string;
  /** Sent as `Authorization: Bearer …`; never logged, never stored in settings. */
  apiKey: string | null;
  /** Overrides for tests; the defaults suit a server on the department network. */
  timeouts?: RemoteTimeouts;
  /** Extra trusted certificate(s), PEM: an https server with its own certificate authority (a department server's engine proxy). */
  ca?: string;
}

export interface RemoteTimeouts {
  /** TCP (and TLS) connection set-up. */
  connectMs?: number;
  /** Silence allowed while waiting for the response and between streamed chunks. */
  idleMs?: number;
  /** Retries after a connection error before any token arrived (exponential backoff). */
  retries?: number;
  retryBaseMs?: number;
}

export type EngineLoadRequest = LoadRequest | RemoteLoadRequest;

export interface LoadedModel {
  name: string;
  imageSize: number;
  imageTokens: number;
  contextSize: number;
  device: InferenceDevice;
  engine: string;
  engineVersion: string;
  llamaCppRelease: string;
  loadMs: number;
  /** The prompt layout this engine asks in, when not the app's own (a remote server that applies its template). */
  promptLayout?: string;
  /**
   * Local engine with the embedding cache on: the key parts this model fixes (embedding-cache.ts EmbeddingKey without
   * the image's sha256), so the app can tell which frames already have an embedding stored (work ahead).
   */
  embeddingKey?: Omit<EmbeddingKey, 'imageSha256'>;
}

export interface AnalyzeRequest {
  image: Uint8Array;
  prompt: string;
  maxTokens: number;
  /**
   * Names the frame (its sha256). With it the local engine keeps the conversation in its KV cache for follow-up
   * questions; `conversation` makes this a follow-up.
   */
  frameKey?: string;
  /**
   * A follow-up question about the same frame: the earlier turns (the first one's question is the analysis prompt),
   * each with the answer the reviewer read. `prompt` is the new question. The local engine appends it to the
   * conversation it kept (no new image encode); a remote server gets the whole conversation.
   */
  conversation?: { question: string; answer: string }[];
  /** A system message (serve-model's clients): placed before the image, as the Gemma 3 template does. */
  system?: string;
}

export interface AnalyzeResult {
  text: string;
  /** 'length': the server's context ran out before max tokens (the answer is cut). */
  stopReason: 'eos' | 'max-tokens' | 'aborted' | 'length';
  promptTokens: number;
  generatedTokens: number;
  encodeMs: number;
  timeToFirstTokenMs: number;
  decodeMs: number;
  preprocessMs: number;
  /** Positions of the conversation that were already in the KV cache and kept (follow-ups on the local engine). */
  reusedTokens?: number;
  /** Whether this call encoded the image (false for a follow-up answered from the kept context, or a stored embedding). */
  imageEncoded?: boolean;
  /** The image's embedding came from the disk cache (embedding-cache.ts): the vision encoder did not run. */
  embeddingCached?: boolean;
  /** The remote server's build, when it says (system_fingerprint). */
  serverFingerprint?: string;
}

/** Work ahead: encode one image and keep its embedding in the disk cache; no text is generated. */
export interface EncodeRequest {
  image: Uint8Array;
}

export interface EncodeResult {
  /** The cache had this image's embedding already: nothing ran. */
  alreadyStored: boolean;
  /** The embedding is in the cache now (false: it could not be written; the next analysis encodes the image). */
  stored: boolean;
  encodeMs: number;
  preprocessMs: number;
}

export type ToWorker =
  | ({ type: 'load'; id: string } & EngineLoadRequest)
  /** heartbeatMs: while the analysis runs, the worker says it is alive this often (an image encode sends nothing else for minutes on a CPU). */
  | ({ type: 'analyze'; id: string; heartbeatMs?: number } & AnalyzeRequest)
  /** Local engine only; heartbeatMs as for 'analyze' (the encode is silent for minutes on a CPU). */
  | ({ type: 'encode'; id: string; heartbeatMs?: number } & EncodeRequest)
  | { type: 'cancel'; id: string }
  | { type: 'unload'; id: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'loaded'; id: string; model: LoadedModel }
  | { type: 'loadStep'; id: string; step: WorkerLoadStep }
  | { type: 'unloaded'; id: string }
  | { type: 'started'; id: string }
  | { type: 'alive'; id: string }
  | { type: 'token'; id: string; text: string }
  | { type: 'done'; id: string; result: AnalyzeResult }
  | { type: 'encoded'; id: string; result: EncodeResult }
  | { type: 'error'; id: string; message: string; code: WorkerErrorCode };

/** What the inference process is doing while it loads (the client adds 'starting': the process itself). */
export type WorkerLoadStep = 'checking' | 'runtime' | 'weights' | 'connecting';

export type WorkerErrorCode = 'unsupported-input' | 'unavailable' | 'internal' | 'cancelled' | 'forbidden' | 'not-found';
