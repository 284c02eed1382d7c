// Messages between the app (inference client) and the inference process (worker-main). Plain objects that
// survive structured clone; Uint8Array for image bytes.
import type { DevicePreference, InferenceDevice } from '../api/schemas';

export interface LoadRequest {
  /** The local engine (node-llama-cpp + mtmd addon); the default when absent. */
  engine?: 'local';
  modelPath: string;
  mmprojPath: string;
  device: DevicePreference;
  contextSize: number;
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
}

export interface AnalyzeRequest {
  image: Uint8Array;
  prompt: string;
  maxTokens: number;
}

export interface AnalyzeResult {
  text: string;
  stopReason: 'eos' | 'max-tokens' | 'aborted';
  promptTokens: number;
  generatedTokens: number;
  encodeMs: number;
  timeToFirstTokenMs: number;
  decodeMs: number;
  preprocessMs: number;
}

export type ToWorker =
  | ({ type: 'load'; id: string } & EngineLoadRequest)
  | ({ type: 'analyze'; id: string } & AnalyzeRequest)
  | { type: 'cancel'; id: string }
  | { type: 'unload'; id: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'loaded'; id: string; model: LoadedModel }
  | { type: 'unloaded'; id: string }
  | { type: 'started'; id: string }
  | { type: 'token'; id: string; text: string }
  | { type: 'done'; id: string; result: AnalyzeResult }
  | { type: 'error'; id: string; message: string; code: WorkerErrorCode };

export type WorkerErrorCode = 'unsupported-input' | 'unavailable' | 'internal' | 'cancelled' | 'forbidden' | 'not-found';
