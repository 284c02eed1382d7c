import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufWriter, f16BitsToF32, f32ToF16Bits, quantizeQ8_0 } from '../../scripts/lib/gguf-writer';
import {
  TINY_GEMMA3_SPECIAL_TOKENS,
  TINY_GEMMA3_TEXT,
  TINY_GEMMA3_VISION,
  TINY_GEMMA3_VOCAB_SIZE,
  TokenType,
  tinyGemma3ImageTokens,
  writeTinyGemma3,
  writeTinyVariant,
} from '../../scripts/lib/tiny-gemma3';
import { TEST_MODELS_DIR, ensureTestModel, ensureTinyVariant } from '../fixtures/test-model';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-writer-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (path: string): Promise<GgufFileInfo> => readGgufFileInfo(path, { logWarnings: false });
const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');
const shapes = (info: GgufFileInfo): Record<string, number[]> =>
  Object.fromEntries((info.tensorInfo ?? []).map((t) => [t.name, t.dimensions.map(Number)]));
// Nested metadata access without fighting node-llama-cpp's per-architecture types.
const meta = (info: GgufFileInfo, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], info.metadata);

describe('GgufWriter', () => {
  it('writes typed metadata and aligned f32/f16 tensors that node-llama-cpp reads back', async () => {
    const w = new GgufWriter();
    w.string('general.architecture', 'test')
      .u32('test.count', 7)
      .i32('test.negative', -5)
      .f32('test.ratio', 0.25)
      .bool('test.flag', true)
      .stringArray('test.words', ['a', 'é', '▁b'])
      .f32Array('test.floats', [0.5, -1.5])
      .i32Array('test.ints', [1, -2, 3]);
    w.addTensor('a', [3], Float32Array.from([1, 2, 3]), 'f32');
    w.addTensor('b', [5, 2], Float32Array.from([0, 1, -2, 0.5, 65504, 1e-8, -0.1, 3, 4, 5]), 'f16');
    const path = join(dir, 'basic.gguf');
    await w.writeFile(path);

    const info = await read(path);
    expect(info.version).toBe(3);
    expect(Number(info.tensorCount)).toBe(2);
    expect(meta(info, 'general.alignment')).toBe(32);
    expect(meta(info, 'test.count')).toBe(7);
    expect(meta(info, 'test.negative')).toBe(-5);
    expect(meta(info, 'test.ratio')).toBe(0.25);
    expect(meta(info, 'test.flag')).toBe(true);
    expect(meta(info, 'test.words')).toEqual(['a', 'é', '▁b']);
    expect(meta(info, 'test.floats')).toEqual([0.5, -1.5]);
    expect(meta(info, 'test.ints')).toEqual([1, -2, 3]);
    expect(shapes(info)).toEqual({ a: [3], b: [5, 2] });

    const bytes = await readFile(path);
    const [a, b] = info.tensorInfo!;
    expect(Number(a!.offset) % 32).toBe(0);
    expect(Number(b!.offset)).toBe(32); // 12 bytes of f32 padded to 32
    expect(Number(a!.fileOffset) % 32).toBe(0);
    const aOff = Number(a!.fileOffset);
    expect([0, 1, 2].map((i) => bytes.readFloatLE(aOff + i * 4))).toEqual([1, 2, 3]);
    const bOff = Number(b!.fileOffset);
    const halves = Array.from({ length: 10 }, (_, i) => f16BitsToF32(bytes.readUInt16LE(bOff + i * 2)));
    expect(halves.slice(0, 5)).toEqual([0, 1, -2, 0.5, 65504]);
    expect(halves[5]).toBe(0); // below the smallest f16 subnormal
    expect(halves[6]).toBeCloseTo(-0.1, 3);
    expect(bytes.length % 32).toBe(0);
  });

  it('converts to f16 with round-to-nearest-even, subnormals and overflow', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(1e6)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(2 ** -14)).toBe(0x0400);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie rounds to even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(Number.NaN)))).toBe(true);
  });

  it('refuses duplicate keys, duplicate tensors and shapes that do not match the data', () => {
    const w = new GgufWriter();
    w.u32('k', 1);
    expect(() => w.u32('k', 2)).toThrow(/duplicate/);
    w.addTensor('t', [2], new Float32Array(2));
    expect(() => w.addTensor('t', [2], new Float32Array(2))).toThrow(/duplicate/);
    expect(() => w.addTensor('u', [3], new Float32Array(2))).toThrow(/needs 3 values/);
    expect(() => new GgufWriter({ alignment: 24 })).toThrow(/power of two/);
  });

  it('streams tensors given in chunks, byte for byte as if they were in memory, and writes Q8_0 blocks', async () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => (i - 20) / 8);
    const inMemory = new GgufWriter().addTensor('a', [32, 2], values, 'f16').addTensor('q', [32, 2], values, 'q8_0');
    const half = (from: number, to: number) => Buffer.from(Uint16Array.from(values.subarray(from, to), (v) => f32ToF16Bits(v)).buffer);
    const streamed = new GgufWriter()
      .addTensorChunks('a', [32, 2], 'f16', () => [half(0, 40), half(40, 64)])
      .addTensorChunks('q', [32, 2], 'q8_0', () => [quantizeQ8_0(values)]);
    const file = join(dir, 'streamed.gguf');
    await streamed.writeFile(file);
    expect((await readFile(file)).equals(inMemory.toBuffer())).toBe(true);
    const info = await read(file);
    expect(info.tensorInfo?.map((t) => t.ggmlType)).toEqual([1, 8]);
    // Q8_0: an f16 scale max|x|/127 per 32 values, then round(x / scale) as int8.
    const q = quantizeQ8_0(values);
    expect(q.length).toBe(2 * 34);
    const scale = f16BitsToF32(Buffer.from(q).readUInt16LE(0));
    expect(scale).toBeCloseTo(2.5 / 127, 4);
    expect(Buffer.from(q).readInt8(2)).toBe(-127);
    expect(() => new GgufWriter().addTensor('r', [30], new Float32Array(30), 'q8_0')).toThrow(/multiple of 32/);
    const short = new GgufWriter().addTensorChunks('s', [4], 'f32', () => [new Uint8Array(8)]);
    expect(() => short.toBuffer()).toThrow(/gave 8 bytes, 16 expected/);
  });
});

describe('tiny gemma3 model', () => {
  let paths224: { modelPath: string; mmprojPath: string };
  let paths896: { modelPath: string; mmprojPath: string };
  beforeAll(async () => {
    paths224 = await writeTinyGemma3(join(dir, 'a'), { imageSize: 224 });
    paths896 = await writeTinyGemma3(join(dir, 'a'), { imageSize: 896 });
  });

  it('names files by image size and shares the text model', () => {
    expect(paths224.modelPath).toBe(join(dir, 'a', 'tiny-gemma3-text.gguf'));
    expect(paths896.modelPath).toBe(paths224.modelPath);
    expect(paths224.mmprojPath).toBe(join(dir, 'a', 'tiny-gemma3-mmproj-224.gguf'));
    expect(paths896.mmprojPath).toBe(join(dir, 'a', 'tiny-gemma3-mmproj-896.gguf'));
  });

  it('writes a gemma3 text model with the metadata llama.cpp needs', async () => {
    const info = await read(paths224.modelPath);
    const h = TINY_GEMMA3_TEXT;
    expect(meta(info, 'general.architecture')).toBe('gemma3');
    expect(meta(info, 'general.alignment')).toBe(32);
    for (const [key, value] of Object.entries({
      'gemma3.embedding_length': h.nEmbd,
      'gemma3.block_count': h.nLayer,
      'gemma3.feed_forward_length': h.nFf,
      'gemma3.context_length': h.contextLength,
      'gemma3.attention.head_count': h.nHead,
      'gemma3.attention.head_count_kv': h.nHeadKv,
      'gemma3.attention.key_length': h.headDim,
      'gemma3.attention.value_length': h.headDim,
      'gemma3.attention.sliding_window': h.slidingWindow,
      'gemma3.attention.sliding_window_pattern': h.slidingWindowPattern,
      'gemma3.rope.freq_base': h.ropeFreqBase,
      'tokenizer.ggml.model': 'llama',
      'tokenizer.ggml.bos_token_id': 2,
      'tokenizer.ggml.eos_token_id': 1,
      'tokenizer.ggml.add_space_prefix': false,
    })) {
      expect(meta(info, key), key).toBe(value);
    }
    expect(meta(info, 'gemma3.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-6, 12);
    expect(meta(info, 'tokenizer.chat_template')).toContain('<start_of_turn>');

    const tokens = meta(info, 'tokenizer.ggml.tokens') as string[];
    const types = meta(info, 'tokenizer.ggml.token_type') as number[];
    const scores = meta(info, 'tokenizer.ggml.scores') as number[];
    expect(tokens).toHaveLength(TINY_GEMMA3_VOCAB_SIZE);
    expect(types).toHaveLength(TINY_GEMMA3_VOCAB_SIZE);
    expect(scores).toHaveLength(TINY_GEMMA3_VOCAB_SIZE);
    const s = TINY_GEMMA3_SPECIAL_TOKENS;
    expect([tokens[s.pad], tokens[s.eos], tokens[s.bos], tokens[s.unk]]).toEqual(['<pad>', '<eos>', '<bos>', '<unk>']);
    for (const t of ['<start_of_turn>', '<end_of_turn>', '<start_of_image>', '<end_of_image>']) {
      expect(types[tokens.indexOf(t)], t).toBe(TokenType.CONTROL);
    }
    expect(types.filter((t) => t === TokenType.BYTE)).toHaveLength(256);
    expect(types[tokens.indexOf('<0x0A>')]).toBe(TokenType.BYTE);
    expect(types[tokens.indexOf('A')]).toBe(TokenType.NORMAL);

    const hd = h.headDim;
    expect(Number(info.tensorCount)).toBe(2 + 13 * h.nLayer);
    const sh = shapes(info);
    expect(sh['token_embd.weight']).toEqual([h.nEmbd, TINY_GEMMA3_VOCAB_SIZE]);
    expect(sh['output_norm.weight']).toEqual([h.nEmbd]);
    expect(sh['output.weight']).toBeUndefined(); // tied to token_embd
    expect(sh['blk.1.attn_q.weight']).toEqual([h.nEmbd, h.nHead * hd]);
    expect(sh['blk.1.attn_k.weight']).toEqual([h.nEmbd, h.nHeadKv * hd]);
    expect(sh['blk.1.attn_v.weight']).toEqual([h.nEmbd, h.nHeadKv * hd]);
    expect(sh['blk.1.attn_output.weight']).toEqual([h.nHead * hd, h.nEmbd]);
    expect(sh['blk.1.attn_q_norm.weight']).toEqual([hd]);
    expect(sh['blk.1.attn_k_norm.weight']).toEqual([hd]);
    expect(sh['blk.1.post_attention_norm.weight']).toEqual([h.nEmbd]);
    expect(sh['blk.1.ffn_gate.weight']).toEqual([h.nEmbd, h.nFf]);
    expect(sh['blk.1.ffn_up.weight']).toEqual([h.nEmbd, h.nFf]);
    expect(sh['blk.1.ffn_down.weight']).toEqual([h.nFf, h.nEmbd]);
    expect(sh['blk.1.post_ffw_norm.weight']).toEqual([h.nEmbd]);
  });

  it('zeroes the embedding rows of control tokens so EOS and end-of-turn never win', async () => {
    const info = await read(paths224.modelPath);
    const embd = info.tensorInfo!.find((t) => t.name === 'token_embd.weight')!;
    const bytes = await readFile(paths224.modelPath);
    const row = (id: number): number[] =>
      Array.from({ length: TINY_GEMMA3_TEXT.nEmbd }, (_, i) =>
        f16BitsToF32(bytes.readUInt16LE(Number(embd.fileOffset) + (id * TINY_GEMMA3_TEXT.nEmbd + i) * 2)));
    expect(row(TINY_GEMMA3_SPECIAL_TOKENS.eos).every((x) => x === 0)).toBe(true);
    expect(row(TINY_GEMMA3_SPECIAL_TOKENS.endOfTurn).every((x) => x === 0)).toBe(true);
    expect(row(300).some((x) => x !== 0)).toBe(true);
  });

  it.each([224, 896] as const)('writes a gemma3 mmproj for %i px images', async (imageSize) => {
    const info = await read(imageSize === 224 ? paths224.mmprojPath : paths896.mmprojPath);
    const v = TINY_GEMMA3_VISION;
    const nPatches = (imageSize / v.patchSize) ** 2;
    expect(meta(info, 'general.architecture')).toBe('clip');
    expect(meta(info, 'general.type')).toBe('mmproj');
    expect(meta(info, 'clip.projector_type')).toBe('gemma3');
    expect(meta(info, 'clip.has_vision_encoder')).toBe(true);
    expect(meta(info, 'clip.use_gelu')).toBe(true);
    expect(meta(info, 'clip.vision.image_size')).toBe(imageSize);
    expect(meta(info, 'clip.vision.patch_size')).toBe(14);
    expect(meta(info, 'clip.vision.embedding_length')).toBe(v.nEmbd);
    expect(meta(info, 'clip.vision.feed_forward_length')).toBe(v.nFf);
    expect(meta(info, 'clip.vision.block_count')).toBe(v.nLayer);
    expect(meta(info, 'clip.vision.attention.head_count')).toBe(v.nHead);
    expect(meta(info, 'clip.vision.projection_dim')).toBe(TINY_GEMMA3_TEXT.nEmbd);
    expect(meta(info, 'clip.vision.image_mean')).toEqual([0.5, 0.5, 0.5]);
    expect(meta(info, 'clip.vision.image_std')).toEqual([0.5, 0.5, 0.5]);
    expect(tinyGemma3ImageTokens(imageSize)).toBe(imageSize === 224 ? 16 : 256);

    expect(Number(info.tensorCount)).toBe(3 + 16 * v.nLayer + 4);
    const sh = shapes(info);
    expect(sh['v.patch_embd.weight']).toEqual([14, 14, 3, v.nEmbd]);
    expect(sh['v.patch_embd.bias']).toEqual([v.nEmbd]);
    expect(sh['v.position_embd.weight']).toEqual([v.nEmbd, nPatches]);
    for (const p of ['attn_q', 'attn_k', 'attn_v', 'attn_out']) {
      expect(sh[`v.blk.1.${p}.weight`], p).toEqual([v.nEmbd, v.nEmbd]);
      expect(sh[`v.blk.1.${p}.bias`], p).toEqual([v.nEmbd]);
    }
    expect(sh['v.blk.1.ln1.weight']).toEqual([v.nEmbd]);
    expect(sh['v.blk.1.ln2.bias']).toEqual([v.nEmbd]);
    expect(sh['v.blk.1.ffn_up.weight']).toEqual([v.nEmbd, v.nFf]);
    expect(sh['v.blk.1.ffn_up.bias']).toEqual([v.nFf]);
    expect(sh['v.blk.1.ffn_down.weight']).toEqual([v.nFf, v.nEmbd]);
    expect(sh['v.blk.1.ffn_down.bias']).toEqual([v.nEmbd]);
    expect(sh['v.post_ln.weight']).toEqual([v.nEmbd]);
    expect(sh['mm.soft_emb_norm.weight']).toEqual([v.nEmbd]);
    expect(sh['mm.input_projection.weight']).toEqual([TINY_GEMMA3_TEXT.nEmbd, v.nEmbd]);
  });

  it('is deterministic: the same seed gives the same bytes, another seed different bytes', async () => {
    const again = await writeTinyGemma3(join(dir, 'b'), { imageSize: 224 });
    const other = await writeTinyGemma3(join(dir, 'c'), { imageSize: 224, seed: 2 });
    expect(await sha256(again.modelPath)).toBe(await sha256(paths224.modelPath));
    expect(await sha256(again.mmprojPath)).toBe(await sha256(paths224.mmprojPath));
    expect(await sha256(other.modelPath)).not.toBe(await sha256(paths224.modelPath));
    expect(await sha256(other.mmprojPath)).not.toBe(await sha256(paths224.mmprojPath));
  });
});

describe('tiny model variants for failure tests', () => {
  it('writes a valid model of the llama architecture', async () => {
    const info = await read(await writeTinyVariant(dir, 'llama-arch'));
    expect(meta(info, 'general.architecture')).toBe('llama');
    expect(meta(info, 'llama.embedding_length')).toBe(64);
    expect(shapes(info)['blk.0.attn_q.weight']).toEqual([64, 64]);
  });

  it('writes an mmproj with the wrong projector type', async () => {
    const info = await read(await writeTinyVariant(dir, 'mmproj-wrong-projector'));
    expect(meta(info, 'general.architecture')).toBe('clip');
    expect(meta(info, 'clip.projector_type')).toBe('mlp');
  });

  it('writes a gemma3 mmproj whose projection does not match the text model', async () => {
    const info = await read(await writeTinyVariant(dir, 'mmproj-wrong-projection'));
    expect(meta(info, 'clip.projector_type')).toBe('gemma3');
    expect(meta(info, 'clip.vision.projection_dim')).toBe(48);
    expect(shapes(info)['mm.input_projection.weight']).toEqual([48, TINY_GEMMA3_VISION.nEmbd]);
  });

  it('writes a text model cut at 60%: the header reads, the tensor data is incomplete', async () => {
    const full = (await writeTinyGemma3(join(dir, 'd'), { imageSize: 224 })).modelPath;
    const path = await writeTinyVariant(dir, 'truncated-text');
    const size = (await stat(path)).size;
    expect(size).toBe(Math.floor((await stat(full)).size * 0.6));
    const info = await read(path);
    expect(meta(info, 'general.architecture')).toBe('gemma3');
    const last = info.tensorInfo!.at(-1)!;
    expect(Number(last.fileOffset)).toBeGreaterThan(size);
  });
});

describe('cached test-model fixture', () => {
  it('generates once into .cache/test-models and returns the same files on later calls', async () => {
    const [first, second] = await Promise.all([ensureTestModel(224), ensureTestModel(224)]);
    expect(first).toEqual(second);
    expect(first.modelPath).toBe(join(TEST_MODELS_DIR, 'tiny-gemma3-text.gguf'));
    expect(first.mmprojPath).toBe(join(TEST_MODELS_DIR, 'tiny-gemma3-mmproj-224.gguf'));
    expect(TEST_MODELS_DIR).toContain(join('.cache', 'test-models'));
    const before = (await stat(first.modelPath)).mtimeMs;
    await ensureTestModel(224);
    expect((await stat(first.modelPath)).mtimeMs).toBe(before);
    const ref = await writeTinyGemma3(join(dir, 'e'), { imageSize: 224 });
    expect(await sha256(first.mmprojPath)).toBe(await sha256(ref.mmprojPath));
    const variant = await ensureTinyVariant('mmproj-wrong-projector');
    expect(variant).toBe(join(TEST_MODELS_DIR, 'tiny-gemma3-mmproj-224-projector-mlp.gguf'));
  });
});
