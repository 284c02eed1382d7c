// The app against transformers on the fixture checkpoint (a tiny random Gemma 3 with the real vocabulary, converted
// by `npm run convert-model`; rebuilt byte for byte by tests/fixtures/gemma3-parity.ts): llama.cpp tokenizes the
// app's prompts into transformers' input_ids, and the app's greedy answer on the fixture image is transformers'
// answer, token for token. Then a follow-up on the kept context: no image encode.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareForGemma3 } from '../../electron/inference/image/gemma3-preprocess';
import { loadMtmdAddon, type MtmdModel } from '../../electron/inference/native/addon';
import { gemmaConversation, gemmaFirstTurn, gemmaFollowUp, SEED_PROMPT } from '../../electron/inference/prompt';
import { greedyFixture, PARITY_DIR, parityModel, promptFixtures } from '../fixtures/gemma3-parity';

let model: MtmdModel;
const fx = greedyFixture();
const prompts = promptFixtures();
const IMAGE = prompts.special.image_token;

/** Fixture ids with each image token as the addon reports an image position (-1), the image span resized to `n`. */
function expectedIds(ids: number[], imageTokens: number): number[] {
  const out: number[] = [];
  let inImage = false;
  for (const id of ids) {
    if (id === IMAGE) {
      if (!inImage) for (let i = 0; i < imageTokens; i++) out.push(-1);
      inImage = true;
      continue;
    }
    inImage = false;
    out.push(id);
  }
  return out;
}

beforeAll(async () => {
  const files = await parityModel();
  const llama = await getLlama({ build: 'never', gpu: false, progressLogs: false });
  model = await loadMtmdAddon(llama).loadModel({ modelPath: files.model, mmprojPath: files.mmproj, contextSize: 4096, batchSize: 512, threads: 1, gpuLayers: 0, useGpuForVision: false });
}, 180_000);

afterAll(() => model?.dispose());

describe('parity with transformers on the converted fixture checkpoint', () => {
  it('llama.cpp tokenizes the app prompts into the processor ids (first turn, whole conversation, text only)', () => {
    expect(model.imageTokens).toBe(fx.image_tokens);
    expect(model.tokenize(gemmaFirstTurn(SEED_PROMPT, true), true)).toEqual(expectedIds(fx.input_ids, fx.image_tokens));
    // The 896-px fixtures have 256 image tokens; this projector makes 16: the text around the image must be identical.
    expect(model.tokenize(gemmaFirstTurn(SEED_PROMPT, true), true)).toEqual(expectedIds(prompts.cases.seed_first_turn.input_ids, fx.image_tokens));
    const whole = gemmaConversation([{ question: SEED_PROMPT, answer: prompts.inputs.first_answer }, { question: prompts.inputs.follow_up }], true);
    expect(model.tokenize(whole, true)).toEqual(expectedIds(prompts.cases.two_turns.input_ids, fx.image_tokens));
    expect(model.tokenize(gemmaFirstTurn(prompts.inputs.text_only, false), false)).toEqual(prompts.cases.text_only.input_ids);
  });

  it("greedy answer on the fixture image equals transformers' ids, token for token", async () => {
    expect(fx.greedy_ids.length).toBeGreaterThanOrEqual(16);
    expect(fx.image_changes_answer).toBe(true);
    const image = prepareForGemma3(new Uint8Array(readFileSync(path.join(PARITY_DIR, fx.image))), model.imageSize);
    const r = await model.generate({ prompt: gemmaFirstTurn(SEED_PROMPT, true), image, maxTokens: fx.greedy_ids.length, onToken: () => undefined, frameKey: 'fixture' });
    expect(r.tokens).toEqual(fx.greedy_ids);
    expect(r.text).toBe(fx.greedy_text);
    expect(r.imageEncodes).toBe(1);

    // A follow-up continues the kept context: no image encode, only the new turn evaluated.
    const before = model.state;
    expect(before).toMatchObject({ frameKey: 'fixture', turns: 1, imageEncodes: 1 });
    const f = await model.appendTurn({
      text: gemmaFollowUp(r.text, 'What is the main risk at this moment?'),
      fromPosition: r.reusedPositions + r.evaluatedTokens,
      frameKey: 'fixture',
      maxTokens: 4,
      onToken: () => undefined,
    });
    expect(f.encodeMs).toBe(0);
    expect(f.imageEncodes).toBe(0);
    expect(f.reusedPositions).toBeGreaterThanOrEqual(r.reusedPositions + r.evaluatedTokens + r.generatedTokens - 1);
    expect(f.evaluatedTokens).toBeLessThan(32);
    expect(model.state).toMatchObject({ frameKey: 'fixture', turns: 2, imageEncodes: 1 });
    // Another frame's key is refused: the cache does not hold that conversation.
    await expect(model.appendTurn({ text: 'x', fromPosition: 40, frameKey: 'other', maxTokens: 1, onToken: () => undefined })).rejects.toMatchObject({ code: 'MTMD_STATE' });
  });
});
