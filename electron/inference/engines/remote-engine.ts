// The remote engine: an OpenAI-compatible server (vLLM, llama-server with --mmproj, `npm run serve-model`) instead
// of local model files. It runs inside the inference process like the local engine, so queueing, cancel, events
// and crash recovery are the same, and the frame is preprocessed off the app's main thread.
//
// Parity with the local engine: the frame is stretched to the model's input square here, exactly as the local
// engine does (the Hugging Face Gemma 3 processor's resize, no letterbox), and sent as a lossless PNG. A server
// then gets a picture it has nothing left to resize: llama-server (which would letterbox a non-square frame)
// feeds mtmd the very pixels the local engine does, vLLM's processor resizes 896→896, which is the identity.
// With the same weights and greedy decoding the text is the same. The prompt: vLLM renders chat messages with the HF
// processor (the app's layout); llama-server is sent the app's prompt itself through /completion (its chat template
// would drop the blank lines around the image; remote/llama-completion.ts).
import { WorkstationError } from '../../api/errors';
import { GEMMA3_IMAGE_SIZE, prepareForGemma3 } from '../image/gemma3-preprocess';
import { encodePngRgb } from '../image/encode-png';
import type { AnalyzeRequest, AnalyzeResult, LoadedModel, RemoteLoadRequest, WorkerLoadStep } from '../protocol';
import { isAbortError } from '../remote/http';
import { notMultimodalError } from '../remote/messages';
import { PROMPT_LAYOUT, wholePrompt } from '../prompt';
import { llamaServerProps, rawCompletion, type LlamaServerProps } from '../remote/llama-completion';
import { chatCompletion, context, listModels, newOutcome, parseServerUrl, resolveTimeouts, type Connection, type ModelEntry } from '../remote/openai-api';

export const REMOTE_ENGINE_NAME = 'remote (OpenAI-compatible)';
/** Gemma 3 turns any image into 256 tokens; used when the server does not say. */
const GEMMA3_IMAGE_TOKENS = 256;

/** What the load found out: the model entry and the server, for LoadedModel and provenance. */
function describeLoaded(conn: Connection, entry: ModelEntry | null, server: string | null, llama: LlamaServerProps | null, started: number): LoadedModel {
  const imageSize = entry?.imageSize ?? GEMMA3_IMAGE_SIZE;
  const by = entry?.ownedBy ?? null;
  return {
    name: conn.model!,
    imageSize,
    imageTokens: entry?.imageTokens ?? GEMMA3_IMAGE_TOKENS,
    contextSize: entry?.contextSize ?? llama?.contextSize ?? 0,
    // llama-server is sent the app's own prompt (its /completion endpoint); other servers apply their chat template
    // to the messages (vLLM: the HF processor, the same layout as the app's).
    promptLayout: llama ? PROMPT_LAYOUT : 'server chat template',
    device: { backend: 'remote', names: [`${conn.address.host} (${conn.model})`], vramTotalBytes: null, vramUsedBytes: null, fallbackReason: null },
    engine: REMOTE_ENGINE_NAME,
    engineVersion: [by ? `served by ${by}` : 'server unknown', server ? `(${server})` : ''].filter(Boolean).join(' '),
    llamaCppRelease: entry?.llamaCppRelease ?? llama?.buildInfo ?? 'unknown (remote server)',
    loadMs: Math.round(performance.now() - started),
  };
}

/**
 * 'length' before the token limit means the server's context ran out: the answer is cut, and the app must say so
 * (llama-server stops at its per-slot context, vLLM at --max-model-len).
 */
export function finishReason(out: { finishReason: string | null; completionTokens: number | null; pieces: number }, maxTokens: number): AnalyzeResult['stopReason'] {
  if (out.finishReason !== 'length') return 'eos';
  const generated = out.completionTokens ?? out.pieces;
  return generated < maxTokens ? 'length' : 'max-tokens';
}

export function createRemoteEngine() {
  let conn: Connection | null = null;
  let loaded: LoadedModel | null = null;
  /** Set when the server is llama-server with image input: requests go to /completion with the app's prompt. */
  let llama: LlamaServerProps | null = null;
  let current: AbortController | null = null;

  return {
    get loaded() {
      return loaded;
    },
    /** The server's base URL and model id in use (provenance). */
    get server(): { url: string; model: string } | null {
      return conn ? { url: conn.address.base, model: conn.model! } : null;
    },
    /** Checks the server and that it serves the model (and, where its list says so, that it takes images). */
    async load(req: RemoteLoadRequest, onStep: (step: WorkerLoadStep) => void = () => {}): Promise<LoadedModel> {
      onStep('connecting');
      conn = null;
      loaded = null;
      llama = null;
      const started = performance.now();
      const c: Connection = { address: parseServerUrl(req.url), model: req.model, apiKey: req.apiKey || null, timeouts: resolveTimeouts(req.timeouts), ...(req.ca ? { ca: req.ca } : {}) };
      const controller = new AbortController();
      current = controller;
      try {
        const list = await listModels(c, controller.signal);
        const entry = list.models.find((m) => m.id === req.model) ?? null;
        if (!entry && list.models.length > 0) {
          const ids = list.models.map((m) => `"${m.id}"`).join(', ');
          throw new WorkstationError('not-found', `The server at ${c.address.host} does not serve "${req.model}". It serves ${ids}. Choose one of those in Settings → Engine.`);
        }
        if (entry?.multimodal === false) throw notMultimodalError(context(c), null, 'its model list does not include image input');
        // llama-server says so in its model list (owned_by "llamacpp"); its /props tells whether it takes images.
        const props = entry?.ownedBy === 'llamacpp' ? await llamaServerProps(c, controller.signal) : null;
        conn = c;
        llama = props?.vision ? props : null;
        loaded = describeLoaded(c, entry, list.server, llama, started);
        return loaded;
      } catch (err) {
        if (isAbortError(err)) throw new WorkstationError('cancelled', 'Connecting to the server was cancelled.');
        throw err;
      } finally {
        if (current === controller) current = null;
      }
    },
    async analyze(req: AnalyzeRequest, onToken: (text: string) => void): Promise<AnalyzeResult> {
      if (!conn || !loaded) throw new Error('No remote server is connected.');
      const controller = new AbortController();
      current = controller;
      const out = newOutcome();
      const t0 = performance.now();
      try {
        let png: Uint8Array;
        try {
          png = encodePngRgb(prepareForGemma3(req.image, loaded.imageSize));
        } catch (err) {
          throw new WorkstationError('unsupported-input', (err as Error).message);
        }
        const preprocessMs = performance.now() - t0;
        const sentAt = performance.now();
        try {
          if (!controller.signal.aborted && llama) {
            await rawCompletion(conn, { prompt: wholePrompt(req.prompt, req.conversation ?? [], undefined, llama.mediaMarker), image: png, maxTokens: req.maxTokens }, controller.signal, onToken, out);
          } else if (!controller.signal.aborted) {
            await chatCompletion(
              conn,
              { image: png, imageMime: 'image/png', prompt: req.prompt, maxTokens: req.maxTokens, stream: true, history: req.conversation ?? [] },
              controller.signal,
              onToken,
              out,
            );
          }
        } catch (err) {
          if (!(controller.signal.aborted || isAbortError(err))) throw err;
        }
        const aborted = controller.signal.aborted;
        return {
          text: out.text,
          stopReason: aborted ? 'aborted' : finishReason(out, req.maxTokens),
          promptTokens: out.promptTokens ?? 0,
          generatedTokens: aborted ? out.pieces : (out.completionTokens ?? out.pieces),
          // The server encodes the image; its time is not visible from here (the analysis stores null).
          encodeMs: 0,
          // From sending the request to the first piece of text: upload, queueing, image encode, prompt, first token.
          timeToFirstTokenMs: out.firstTokenAt === null ? 0 : out.firstTokenAt - sentAt,
          decodeMs: out.firstTokenAt === null || out.lastTokenAt === null ? 0 : out.lastTokenAt - out.firstTokenAt,
          preprocessMs,
          ...(out.systemFingerprint ? { serverFingerprint: out.systemFingerprint } : {}),
        };
      } finally {
        if (current === controller) current = null;
      }
    },
    /** Cancels the running request: the connection is closed, which stops the generation on the server. */
    abort(): void {
      current?.abort();
    },
    async unload(): Promise<void> {
      current?.abort();
      conn = null;
      loaded = null;
      llama = null;
    },
  };
}
export type RemoteEngine = ReturnType<typeof createRemoteEngine>;
