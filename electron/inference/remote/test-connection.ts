// "Test connection" for a remote server, run in the app's process (it is two small HTTP requests): the model list,
// then one tiny question with a 16×16 picture and max_tokens 1, which is the only sure way to learn whether the
// model takes images (vLLM's list does not say). Nothing is stored and nothing changes. Shorter timeouts than an
// analysis: a button should answer within half a minute.
import type { RemoteConnectionTest } from '../../api/schemas';
import { WorkstationError } from '../../api/errors';
import { encodePngRgb } from '../image/encode-png';
import { SEED_MAX_TOKENS } from '../prompt';
import type { RemoteTimeouts } from '../protocol';
import { isAbortError } from './http';
import { NotMultimodalError, notMultimodalError } from './messages';
import { chatCompletion, context, listModels, newOutcome, parseServerUrl, resolveTimeouts, type Connection } from './openai-api';

export interface ConnectionTestInput {
  url: string;
  model?: string;
  apiKey: string | null;
  timeouts?: RemoteTimeouts;
  /** Extra trusted certificate(s), PEM, for an https server with its own certificate authority. */
  ca?: string;
}

/** The seed prompt in the Gemma 3 layout is about 80 tokens; with the turn markers, 100 is a safe bound. */
const SEED_PROMPT_TOKENS = 100;

function probeImage(): Uint8Array {
  const side = 16;
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb[i] = rgb[i + 1] = rgb[i + 2] = 128 + ((i / 3) % side) * 4;
  return encodePngRgb({ width: side, height: side, rgb });
}

export async function testRemoteConnection(input: ConnectionTestInput, signal: AbortSignal = new AbortController().signal): Promise<RemoteConnectionTest> {
  let conn: Connection;
  try {
    conn = { address: parseServerUrl(input.url), apiKey: input.apiKey || null, timeouts: resolveTimeouts({ connectMs: 5_000, idleMs: 30_000, retries: 1, ...input.timeouts }), ...(input.ca ? { ca: input.ca } : {}) };
  } catch (err) {
    return { ok: false, models: [], multimodal: null, message: (err as Error).message };
  }
  const host = conn.address.host;
  let models: string[] = [];
  try {
    const list = await listModels(conn, signal);
    models = list.models.map((m) => m.id);
    let model = input.model;
    if (!model) {
      if (models.length !== 1) {
        const known = list.models.map((m) => m.multimodal);
        const multimodal = known.length > 0 && known.every((k) => k === true) ? true : known.length > 0 && known.every((k) => k === false) ? false : null;
        return {
          ok: models.length > 0,
          models,
          multimodal,
          message: models.length ? `Connected to ${host}. It serves ${models.length} models: choose one, then test again.` : `Connected to ${host}, but it lists no models.`,
        };
      }
      model = models[0]!;
    }
    conn.model = model;
    const entry = list.models.find((m) => m.id === model);
    if (!entry && models.length > 0) {
      return { ok: false, models, multimodal: null, message: `The server at ${host} does not serve "${model}". It serves ${models.map((m) => `"${m}"`).join(', ')}: choose one of those.` };
    }
    if (entry?.multimodal === false) {
      return { ok: false, models, multimodal: false, message: notMultimodalError(context(conn), null, 'its model list does not include image input').message };
    }
    // One analysis needs the image, the prompt and room for a 512-token answer: a smaller context cuts every answer.
    const needed = (entry?.imageTokens ?? 256) + SEED_PROMPT_TOKENS + SEED_MAX_TOKENS;
    if (entry?.contextSize && entry.contextSize < needed) {
      return {
        ok: false,
        models,
        multimodal: entry.multimodal,
        message:
          `The server at ${host} serves "${model}" with a context of ${entry.contextSize} tokens, but one analysis needs about ${needed} ` +
          `(the image, the prompt and a ${SEED_MAX_TOKENS}-token answer; follow-up questions need more). Ask its administrator to start it with a larger ` +
          'context (llama-server -c 4096 or more per slot; vLLM --max-model-len 4096).',
      };
    }
    const started = performance.now();
    const out = newOutcome();
    await chatCompletion(conn, { image: probeImage(), imageMime: 'image/png', prompt: 'Describe the image in one word.', maxTokens: 1, stream: false }, signal, () => undefined, out);
    const ms = Math.round(performance.now() - started);
    return {
      ok: true,
      models,
      multimodal: true,
      message: `Connected to ${host}: "${model}" answered a question about a test image in ${ms} ms.${entry?.contextSize ? ` Context: ${entry.contextSize} tokens.` : ''}${conn.apiKey ? '' : ' No API key was needed.'}`,
    };
  } catch (err) {
    if (isAbortError(err)) return { ok: false, models, multimodal: null, message: 'The test was cancelled.' };
    const message = err instanceof WorkstationError ? err.message : `The test failed: ${(err as Error).message}`;
    const multimodal = err instanceof NotMultimodalError ? false : null;
    return { ok: false, models, multimodal, message };
  }
}
