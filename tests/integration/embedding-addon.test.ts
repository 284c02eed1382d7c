// The image addon's side of the embedding cache, with the tiny 896 model (256 image tokens, as the real one): an
// encode hands its embedding back, and that embedding given instead of the pixels decodes to the very same tokens
// without running the vision encoder; a wrong one is refused clearly.
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMtmdAddon, mtmdErrorCode, type MtmdAddon, type MtmdModel } from '../../electron/inference/native/addon';
import { gemmaFollowUp } from '../../electron/inference/prompt';
import { ensureTestModel } from '../fixtures/test-model';

let llama: Llama;
let addon: MtmdAddon;
let model: MtmdModel;

function image(size: number): { width: number; height: number; rgb: Uint8Array } {
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7 + (i >> 9) * 13) & 255;
  return { width: size, height: size, rgb };
}
const prompt = () => `<start_of_turn>user\n${addon.defaultMarker()}Analyze the surgical scene.<end_of_turn>\n<start_of_turn>model\n`;

beforeAll(async () => {
  llama = await getLlama({ gpu: false });
  addon = loadMtmdAddon(llama);
  const paths = await ensureTestModel(896);
  model = await addon.loadModel({ ...paths, contextSize: 2048, batchSize: 512, threads: 1, gpuLayers: 0, useGpuForVision: false });
}, 180_000);
afterAll(async () => {
  model?.dispose();
  await llama?.dispose();
});

describe('image embeddings in the addon', () => {
  it('hands the embedding back, and decodes it instead of the pixels to the same tokens without encoding', async () => {
    expect(model.imageTokens).toBe(256);
    expect(model.embeddingLength).toBe(64);
    const encoded = await model.generate({ prompt: prompt(), image: image(896), keepEmbedding: true, maxTokens: 12, onToken: () => {}, frameKey: 'f' });
    expect(encoded).toMatchObject({ imageEncodes: 1, usedEmbedding: false });
    expect(encoded.encodeMs).toBeGreaterThan(0);
    expect(encoded.embedding).toBeInstanceOf(Float32Array);
    expect(encoded.embedding!.length).toBe(256 * 64);

    const pieces: string[] = [];
    const reused = await model.generate({ prompt: prompt(), embedding: encoded.embedding!, maxTokens: 12, onToken: (t) => pieces.push(t), frameKey: 'f' });
    expect(reused).toMatchObject({ imageEncodes: 0, usedEmbedding: true, encodeMs: 0, promptTokens: encoded.promptTokens });
    expect(reused.embedding).toBeUndefined();
    expect(reused.tokens).toEqual(encoded.tokens);
    expect(pieces.join('')).toBe(encoded.text);
    const st = model.state;
    expect(st).toMatchObject({ frameKey: 'f', turns: 1, imageEncodes: 0, positions: encoded.positions });
    expect(st.imageEnd - st.imageStart).toBe(256);
    // Without keepEmbedding nothing is handed back.
    expect((await model.generate({ prompt: prompt(), image: image(896), maxTokens: 1, onToken: () => {} })).embedding).toBeUndefined();
  });

  it('encodeImage runs only the encoder: the same embedding as a generate, and the kept conversation stays for a follow-up', async () => {
    const first = await model.generate({ prompt: prompt(), image: image(896), keepEmbedding: true, maxTokens: 4, onToken: () => {}, frameKey: 'kept' });
    const before = model.state;
    const only = await model.encodeImage({ image: image(896) });
    expect(only.imageEncodes).toBe(1);
    expect(only.encodeMs).toBeGreaterThan(0);
    expect(Buffer.from(only.embedding.buffer).equals(Buffer.from(first.embedding!.buffer))).toBe(true);
    expect(model.state).toEqual(before);
    const follow = await model.appendTurn({ text: gemmaFollowUp(first.text, 'Which instrument?'), fromPosition: first.reusedPositions + first.evaluatedTokens, frameKey: 'kept', maxTokens: 2, onToken: () => {} });
    expect(follow.reusedPositions).toBeGreaterThanOrEqual(first.evaluatedTokens);
    expect(follow.imageEncodes).toBe(0);
    await expect(model.encodeImage({ embedding: only.embedding } as never)).rejects.toThrow(/give the image's pixels/);
  });

  it('refuses an embedding of the wrong size or type, or given with the pixels, with a clear message', async () => {
    const bad = async (options: Record<string, unknown>) => {
      try {
        await model.generate({ prompt: prompt(), maxTokens: 1, onToken: () => {}, ...options } as never);
      } catch (err) {
        return { code: mtmdErrorCode(err), message: (err as Error).message };
      }
      throw new Error('expected a rejection');
    };
    expect(await bad({ embedding: new Float32Array(10) })).toEqual({ code: 'MTMD_BAD_INPUT', message: expect.stringMatching(/imageTokens\*embeddingLength = 16384 values; got 10/) });
    expect(await bad({ embedding: new Float64Array(256 * 64) })).toEqual({ code: 'MTMD_BAD_INPUT', message: expect.stringMatching(/Float32Array/) });
    expect(await bad({ embedding: new Float32Array(256 * 64), image: image(896) })).toEqual({ code: 'MTMD_BAD_INPUT', message: expect.stringMatching(/either image or embedding/) });
    expect(await bad({ image: image(896), keepEmbedding: 'yes' })).toEqual({ code: 'MTMD_BAD_INPUT', message: expect.stringMatching(/keepEmbedding must be a boolean/) });
  });
});
