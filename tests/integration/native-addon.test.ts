// The mtmd image addon on CPU, with the tiny random Gemma-3 models: it binds to node-llama-cpp's own
// libllama, streams greedy text for an image, aborts, refuses concurrent use and bad input clearly.
import { readFileSync } from 'node:fs';
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadMtmdAddon,
  MtmdAddonLoadError,
  mtmdErrorCode,
  mtmdVariantFor,
  type MtmdAddon,
  type MtmdGenerateResult,
  type MtmdLoadOptions,
  type MtmdModel,
} from '../../electron/inference/native/addon';
import { ensureTestModel, ensureTinyVariant, type TinyGemma3Paths } from '../fixtures/test-model';

// threads: 1 — on 2-vCPU machines more threads only compete with the JS thread.
const THREADS = 1;

let llama: Llama;
let addon: MtmdAddon;
let paths224: TinyGemma3Paths;
let paths896: TinyGemma3Paths;
let model224: MtmdModel;
let model896: MtmdModel;

function options(paths: TinyGemma3Paths, extra: Partial<MtmdLoadOptions> = {}): MtmdLoadOptions {
  return { ...paths, contextSize: 2048, batchSize: 512, threads: THREADS, gpuLayers: 0, useGpuForVision: false, ...extra };
}

/** A deterministic RGB test pattern at size x size. */
function syntheticImage(size: number, seed: number): { width: number; height: number; rgb: Uint8Array } {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      rgb[i] = (x * 3 + seed * 41) & 255;
      rgb[i + 1] = (y * 5 + seed * 13) & 255;
      rgb[i + 2] = ((x ^ y) * seed + 29) & 255;
    }
  }
  return { width: size, height: size, rgb };
}

function imagePrompt(text = 'Analyze the surgical scene.'): string {
  return `<start_of_turn>user\n${addon.defaultMarker()}${text}<end_of_turn>\n<start_of_turn>model\n`;
}

async function generateCollect(
  model: MtmdModel,
  opts: { seed?: number; maxTokens?: number; onPiece?: (piece: string, index: number) => void } = {},
): Promise<{ result: MtmdGenerateResult; pieces: string[] }> {
  const pieces: string[] = [];
  const result = await model.generate({
    prompt: imagePrompt(),
    image: syntheticImage(model.imageSize, opts.seed ?? 1),
    maxTokens: opts.maxTokens ?? 24,
    onToken: (piece) => {
      pieces.push(piece);
      opts.onPiece?.(piece, pieces.length);
    },
  });
  return { result, pieces };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

beforeAll(async () => {
  llama = await getLlama({ gpu: false });
  addon = loadMtmdAddon(llama);
  [paths224, paths896] = await Promise.all([ensureTestModel(224), ensureTestModel(896)]);
  model224 = await addon.loadModel(options(paths224));
  model896 = await addon.loadModel(options(paths896));
});

afterAll(async () => {
  model224?.dispose();
  model896?.dispose();
  await llama?.dispose();
});

describe('loading', () => {
  it('loads the CPU variant built for the llama.cpp release node-llama-cpp uses', () => {
    expect(llama.buildType).toBe('prebuilt');
    expect(addon.variant).toBe(mtmdVariantFor(false, llama.llamaCppRelease.release));
    expect(addon.llamaRelease).toBe(llama.llamaCppRelease.release);
    expect(addon.systemInfo()).toMatch(/devices: CPU/);
    expect(addon.defaultMarker()).toBe('<__media__>');
    expect(loadMtmdAddon(llama)).toBe(addon);
  });

  it.runIf(process.platform === 'linux')('shares the one libllama node-llama-cpp loaded', () => {
    const mapped = new Set(
      readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/).at(-1) ?? '')
        .filter((file) => /\/libllama\.[^/]+\.so$/.test(file)),
    );
    expect([...mapped]).toHaveLength(1);
    expect([...mapped][0]).toContain(`libllama.${addon.variant}.so`);
  });

  it('refuses a Llama that is not a prebuilt build, or a variant that was not built', () => {
    const localBuild = { buildType: 'localBuild', gpu: false, llamaCppRelease: llama.llamaCppRelease } as unknown as Llama;
    expect(() => loadMtmdAddon(localBuild)).toThrow(MtmdAddonLoadError);
    expect(() => loadMtmdAddon(localBuild)).toThrow(/prebuilt/);
    const otherRelease = { buildType: 'prebuilt', gpu: false, llamaCppRelease: { repo: 'x', release: 'b1' } } as unknown as Llama;
    expect(() => loadMtmdAddon(otherRelease)).toThrow(/mtmd-addon\.b1\.node/);
  });

  it('reads the projector: 224 px gives 16 image tokens, 896 px gives 256', () => {
    expect(model224.imageSize).toBe(224);
    expect(model224.imageTokens).toBe(16);
    expect(model896.imageSize).toBe(896);
    expect(model896.imageTokens).toBe(256);
    expect(model896.projectorType).toBe('gemma3');
    expect(model896.description).toMatch(/gemma3/);
    expect(model896.trainContextSize).toBeGreaterThan(0);
    expect(model896.contextSize).toBe(2048);
    expect(model896.batchSize).toBeGreaterThanOrEqual(256);
  });

  it('keeps n_batch at least 256 even when asked for less', async () => {
    const small = await addon.loadModel(options(paths224, { batchSize: 32 }));
    try {
      expect(small.batchSize).toBeGreaterThanOrEqual(256);
    } finally {
      small.dispose();
    }
  });

  it('rejects a missing file with a message naming it', async () => {
    const error = await rejection(addon.loadModel(options({ ...paths224, modelPath: '/nonexistent/model.gguf' })));
    expect(mtmdErrorCode(error)).toBe('MTMD_FILE');
    expect(error.message).toMatch(/text model file does not exist: \/nonexistent\/model\.gguf/);
    const error2 = await rejection(addon.loadModel(options({ ...paths224, mmprojPath: '/nonexistent/mmproj.gguf' })));
    expect(mtmdErrorCode(error2)).toBe('MTMD_FILE');
    expect(error2.message).toMatch(/mmproj/);
  });

  it('rejects an mmproj that does not fit the text model, with the cause', async () => {
    const wrong = await ensureTinyVariant('mmproj-wrong-projection');
    const error = await rejection(addon.loadModel(options({ ...paths224, mmprojPath: wrong })));
    expect(mtmdErrorCode(error)).toBe('MTMD_MMPROJ_LOAD');
    expect(error.message).toMatch(/^The vision projector \(mmproj\) could not be loaded: .*mismatch/);
  });

  it('rejects a text model given as the mmproj, and a truncated text model', async () => {
    const asMmproj = await rejection(addon.loadModel(options({ ...paths224, mmprojPath: paths224.modelPath })));
    expect(mtmdErrorCode(asMmproj)).toBe('MTMD_MMPROJ_LOAD');
    expect(asMmproj.message).toMatch(/not an mmproj file/);
    const truncated = await ensureTinyVariant('truncated-text');
    const broken = await rejection(addon.loadModel(options({ ...paths224, modelPath: truncated })));
    expect(mtmdErrorCode(broken)).toBe('MTMD_MODEL_LOAD');
    expect(broken.message).toMatch(/text model could not be loaded/);
  });
});

describe('generation', () => {
  it('streams the text for an image; the pieces concatenate to the result', async () => {
    const { result, pieces } = await generateCollect(model224, { maxTokens: 24 });
    expect(result.stopReason).toBe('max-tokens');
    expect(result.generatedTokens).toBe(24);
    expect(pieces.length).toBeGreaterThanOrEqual(8);
    expect(pieces.join('')).toBe(result.text);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.promptTokens).toBeGreaterThan(model224.imageTokens);
    expect(result.encodeMs).toBeGreaterThan(0);
    expect(result.promptEvalMs).toBeGreaterThan(0);
    expect(result.timeToFirstTokenMs).toBeGreaterThanOrEqual(result.encodeMs);
  });

  it('is deterministic (greedy, cleared cache): the same input twice gives the same text', async () => {
    const a = await generateCollect(model224, { seed: 3, maxTokens: 32 });
    const b = await generateCollect(model224, { seed: 3, maxTokens: 32 });
    expect(b.result.text).toBe(a.result.text);
    expect(b.result.promptTokens).toBe(a.result.promptTokens);
  });

  it('encodes a different image and still generates', async () => {
    const a = await generateCollect(model224, { seed: 5, maxTokens: 16 });
    const b = await generateCollect(model224, { seed: 6, maxTokens: 16 });
    expect(b.result.encodeMs).toBeGreaterThan(0);
    expect(b.result.stopReason).toBe('max-tokens');
    expect(b.result.generatedTokens).toBe(16);
    expect(b.result.promptTokens).toBe(a.result.promptTokens);
  });

  it('generates from text alone', async () => {
    const pieces: string[] = [];
    const result = await model224.generate({
      prompt: '<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n',
      maxTokens: 8,
      onToken: (p) => pieces.push(p),
    });
    expect(result.generatedTokens).toBe(8);
    expect(result.encodeMs).toBe(0);
    expect(pieces.join('')).toBe(result.text);
  });

  it('aborts a running generation, then generates again', async () => {
    // A long context, so the tiny model (thousands of tokens/s) is still generating when JS aborts.
    const model = await addon.loadModel(options(paths224, { contextSize: 8192 }));
    try {
      const maxTokens = 8000;
      const { result, pieces } = await generateCollect(model, {
        maxTokens,
        onPiece: (_piece, index) => {
          if (index === 3) model.abort();
        },
      });
      expect(result.stopReason).toBe('aborted');
      expect(result.generatedTokens).toBeLessThan(maxTokens);
      expect(pieces.join('')).toBe(result.text);

      const next = await generateCollect(model, { maxTokens: 8 });
      expect(next.result.stopReason).toBe('max-tokens');
      expect(next.result.generatedTokens).toBe(8);
    } finally {
      model.dispose();
    }
  });

  it('an abort issued during the 896 image encode takes effect right after it', async () => {
    const running = generateCollect(model896, { seed: 7, maxTokens: 64 });
    await new Promise((r) => setTimeout(r, 40)); // the 896 encode takes far longer than this
    model896.abort();
    const { result, pieces } = await running;
    expect(result.stopReason).toBe('aborted');
    expect(result.generatedTokens).toBeLessThanOrEqual(1);
    expect(pieces.join('')).toBe(result.text);

    const next = await generateCollect(model896, { seed: 7, maxTokens: 4 });
    expect(next.result.stopReason).toBe('max-tokens');
  });

  it('keeps the JS event loop responsive during an 896 encode', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      const { result } = await generateCollect(model896, { seed: 8, maxTokens: 4 });
      expect(result.encodeMs).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    // A blocked JS thread would tick at most once; a free one ticks every ~5 ms.
    if (elapsed >= 100) expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('rejects a second generate while one runs with "busy"', async () => {
    const first = generateCollect(model896, { seed: 9, maxTokens: 8 });
    const second = await rejection(generateCollect(model896, { seed: 10, maxTokens: 8 }));
    expect(mtmdErrorCode(second)).toBe('MTMD_BUSY');
    expect(second.message).toMatch(/busy/);
    const { result } = await first;
    expect(result.stopReason).toBe('max-tokens');
  });

  it('rejects bad input clearly and stays usable', async () => {
    const wrongSize = await rejection(
      model224.generate({ prompt: imagePrompt(), image: syntheticImage(100, 1), maxTokens: 4, onToken: () => {} }),
    );
    expect(mtmdErrorCode(wrongSize)).toBe('MTMD_BAD_INPUT');
    expect(wrongSize.message).toMatch(/224x224/);
    const noMarker = await rejection(
      model224.generate({ prompt: 'no marker', image: syntheticImage(224, 1), maxTokens: 4, onToken: () => {} }),
    );
    expect(noMarker.message).toMatch(/<__media__>/);
    const noImage = await rejection(model224.generate({ prompt: imagePrompt(), maxTokens: 4, onToken: () => {} }));
    expect(noImage.message).toMatch(/no image was given/);
    const badBytes = await rejection(
      model224.generate({
        prompt: imagePrompt(),
        image: { width: 224, height: 224, rgb: new Uint8Array(10) },
        maxTokens: 4,
        onToken: () => {},
      }),
    );
    expect(badBytes.message).toMatch(/width\*height\*3/);
    const { result } = await generateCollect(model224, { maxTokens: 4 });
    expect(result.generatedTokens).toBe(4);
  });

  it('rejects with the error onToken throws, and stays usable', async () => {
    const thrown = new Error('listener failed');
    const error = await rejection(
      model224.generate({
        prompt: imagePrompt(),
        image: syntheticImage(224, 1),
        maxTokens: 200,
        onToken: () => {
          throw thrown;
        },
      }),
    );
    expect(error).toBe(thrown);
    const { result } = await generateCollect(model224, { maxTokens: 4 });
    expect(result.generatedTokens).toBe(4);
  });
});

describe('dispose', () => {
  it('is idempotent; later calls reject clearly', async () => {
    const model = await addon.loadModel(options(paths224));
    model.dispose();
    model.dispose();
    const error = await rejection(model.generate({ prompt: 'x', maxTokens: 1, onToken: () => {} }));
    expect(mtmdErrorCode(error)).toBe('MTMD_DISPOSED');
    expect(error.message).toMatch(/disposed/);
    expect(model.imageSize).toBe(224);
  });

  it('during a generation stops it, then frees the model', async () => {
    const model = await addon.loadModel(options(paths896));
    const running = model.generate({ prompt: imagePrompt(), image: syntheticImage(896, 2), maxTokens: 64, onToken: () => {} });
    model.dispose();
    const result = await running;
    expect(result.stopReason).toBe('aborted');
    const error = await rejection(model.generate({ prompt: 'x', maxTokens: 1, onToken: () => {} }));
    expect(mtmdErrorCode(error)).toBe('MTMD_DISPOSED');
  });
});
