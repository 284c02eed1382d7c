// `npm run analyze -- --model M --mmproj P --image F [--json] [--max-tokens N] [--device D] [--prompt TEXT] [--ask Q]...`
// Streams the model's text for one image to stdout, then each follow-up question's answer (--ask, repeatable) in the
// same context (the image is encoded once); with --json, ends with one JSON object on its own line whose `turns`
// array holds each turn's text and timings.
import fs from 'node:fs';
import { splitAnalysisText } from '../electron/api/analysis-text';
import { DevicePreference } from '../electron/api/schemas';
import { suggestTags } from '../electron/core/analysis/suggest-tags';
import { forkWorker } from '../electron/inference/fork-worker';
import { createInferenceClient } from '../electron/inference/inference-client';
import { SEED_MAX_TOKENS, SEED_PROMPT } from '../electron/inference/prompt';
import type { AnalyzeResult } from '../electron/inference/protocol';
import crypto from 'node:crypto';
import { fail, parseCommandLineOrExit } from './lib/cli';

const USAGE = 'Usage: npm run analyze -- --model MODEL.gguf --mmproj MMPROJ.gguf --image FRAME.png [--json] [--max-tokens N] [--device auto|cuda|metal|vulkan|cpu] [--context N] [--prompt TEXT] [--ask QUESTION]...';

async function main() {
  const { values: v } = parseCommandLineOrExit(
    {
      options: {
        model: { type: 'string' },
        mmproj: { type: 'string' },
        image: { type: 'string' },
        json: { type: 'boolean' },
        'max-tokens': { type: 'string' },
        device: { type: 'string' },
        context: { type: 'string' },
        prompt: { type: 'string' },
        ask: { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
    },
    USAGE,
  );
  if (v.help) return console.log(USAGE);
  if (!v.model || !v.mmproj || !v.image) fail(`--model, --mmproj and --image are required.\n${USAGE}`);
  const maxTokens = v['max-tokens'] === undefined ? SEED_MAX_TOKENS : Number(v['max-tokens']);
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) fail('--max-tokens must be a whole number from 1 to 4096.');
  const contextSize = v.context === undefined ? 4096 : Number(v.context);
  if (!Number.isInteger(contextSize) || contextSize < 1024) fail('--context must be a whole number of at least 1024.');
  const device = DevicePreference.safeParse(v.device ?? 'auto');
  if (!device.success) fail(`--device must be one of ${DevicePreference.options.join(', ')}.`);
  let image: Uint8Array;
  try {
    image = new Uint8Array(fs.readFileSync(v.image as string));
  } catch {
    fail(`Cannot read the image ${v.image}. Check the path.`, 1);
  }

  const client = createInferenceClient({ spawnWorker: forkWorker });
  const started = performance.now();
  try {
    const loaded = await client.load({ modelPath: v.model as string, mmprojPath: v.mmproj as string, device: device.data, contextSize });
    if (!v.json) console.error(`Model ${loaded.name} on ${loaded.device.backend} (${loaded.device.names.join(', ')}), loaded in ${loaded.loadMs} ms`);
    if (loaded.device.fallbackReason) console.error(loaded.device.fallbackReason);
    const prompt = typeof v.prompt === 'string' ? v.prompt : SEED_PROMPT;
    const frameKey = crypto.createHash('sha256').update(image).digest('hex');
    const r = await client.analyze('cli', { image, prompt, maxTokens, frameKey }, { onToken: (t) => process.stdout.write(t) });
    process.stdout.write('\n');
    const turnJson = (question: string, x: AnalyzeResult) => ({
      question,
      text: x.text,
      stop_reason: x.stopReason,
      encode_ms: Math.round(x.encodeMs),
      ttft_ms: Math.round(x.timeToFirstTokenMs),
      prompt_tokens: x.promptTokens,
      reused_tokens: x.reusedTokens ?? 0,
      generated_tokens: x.generatedTokens,
    });
    const turns = [turnJson(prompt, r)];
    const conversation = [{ question: prompt, answer: r.text }];
    const asks = (v.ask as string[] | undefined) ?? [];
    for (const [i, question] of asks.entries()) {
      if (!question.trim()) fail('--ask needs a question.');
      if (r.stopReason === 'aborted') break;
      if (!v.json) console.error(`\n> ${question}`);
      const f = await client.analyze(`cli-ask-${i}`, { image, prompt: question, maxTokens, frameKey, conversation: [...conversation] }, { onToken: (t) => process.stdout.write(t) });
      process.stdout.write('\n');
      turns.push(turnJson(question, f));
      conversation.push({ question, answer: f.text });
    }
    const split = splitAnalysisText(r.text);
    if (v.json) {
      const decodeTps = r.generatedTokens > 1 && r.decodeMs > 0 ? ((r.generatedTokens - 1) * 1000) / r.decodeMs : null;
      console.log(
        JSON.stringify({
          raw: r.text,
          thinking: split.thinking,
          answer: split.answer,
          structured: split.structured,
          suggestedTags: suggestTags(r.text),
          device: { backend: loaded.device.backend, names: loaded.device.names, fallbackReason: loaded.device.fallbackReason },
          model: loaded.name,
          timings: {
            load_ms: loaded.loadMs,
            preprocess_ms: Math.round(r.preprocessMs),
            encode_ms: Math.round(r.encodeMs),
            ttft_ms: Math.round(r.timeToFirstTokenMs),
            decode_tok_s: decodeTps === null ? null : Math.round(decodeTps * 10) / 10,
            prompt_tokens: r.promptTokens,
            generated_tokens: r.generatedTokens,
            total_ms: Math.round(performance.now() - started),
          },
          stopReason: r.stopReason,
          turns,
        }),
      );
    }
  } catch (err) {
    await client.close();
    fail((err as Error).message, 1);
  }
  await client.close();
}

void main();
