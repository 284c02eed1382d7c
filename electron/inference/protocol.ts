// Messages between the app (inference client) and the inference process (worker-main). Plain objects that
// survive structured clone; Uint8Array for image bytes.
import type { DevicePreference, InferenceDevice } from '../api/schemas';

export interface LoadRequest {
  modelPath: string;
  mmprojPath: string;
  device: DevicePreference;
  contextSize: number;
}

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
  | ({ type: 'load'; id: string } & LoadRequest)
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
  | { type: 'error'; id: string; message: string; code: 'unsupported-input' | 'unavailable' | 'internal' | 'cancelled' };
