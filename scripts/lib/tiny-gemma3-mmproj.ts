// The vision half of the tiny Gemma-3 test model (tiny-gemma3.ts): a clip mmproj with a SigLIP-style
// vision tower and the Gemma 3 projector, in a 224 px or an 896 px variant.
import { GgufWriter } from './gguf-writer';
import { ones, product, randomNormalish, TINY_GEMMA3_DEFAULT_SEED, zeros } from './tiny-gemma3-random';

export type TinyImageSize = 224 | 896;
export const TINY_IMAGE_SIZES: readonly TinyImageSize[] = [224, 896];

export const TINY_GEMMA3_VISION = {
  nEmbd: 32,
  nLayer: 2,
  nHead: 2,
  nFf: 64, // must differ from nEmbd, or clip.cpp swaps ffn_up/ffn_down for gemma3
  patchSize: 14,
  layerNormEps: 1e-6,
  poolKernel: 4, // clip.cpp's gemma3 default (clip.vision.projector.scale_factor is not written)
  projectionDim: 64, // = text nEmbd
} as const;

export interface MmprojOptions {
  imageSize: TinyImageSize;
  seed?: number;
  projectorType?: string; // only for failure fixtures
  projectionDim?: number; // only for failure fixtures
}

/** Image tokens one image becomes: (image_size / patch / pool)². */
export function tinyGemma3ImageTokens(imageSize: TinyImageSize): number {
  const side = imageSize / TINY_GEMMA3_VISION.patchSize / TINY_GEMMA3_VISION.poolKernel;
  return side * side;
}

export function buildTinyGemma3Mmproj(options: MmprojOptions): GgufWriter {
  const v = TINY_GEMMA3_VISION;
  const seed = options.seed ?? TINY_GEMMA3_DEFAULT_SEED;
  const projectionDim = options.projectionDim ?? v.projectionDim;
  const { imageSize } = options;
  const patchesPerSide = imageSize / v.patchSize;
  if (!Number.isInteger(patchesPerSide) || patchesPerSide % v.poolKernel !== 0) {
    throw new Error(`image size ${imageSize} does not split into ${v.patchSize}-px patches pooled by ${v.poolKernel}`);
  }
  const nPatches = patchesPerSide * patchesPerSide;

  const w = new GgufWriter({ alignment: 32 });
  w.string('general.architecture', 'clip')
    .string('general.type', 'mmproj')
    .string('general.name', `tiny-gemma3 mmproj ${imageSize}px (random weights, tests only)`)
    .u32('general.file_type', 1)
    .string('clip.projector_type', options.projectorType ?? 'gemma3')
    .bool('clip.has_vision_encoder', true)
    .bool('clip.use_gelu', true) // without it clip.cpp silently uses gelu_quick
    .u32('clip.vision.image_size', imageSize)
    .u32('clip.vision.patch_size', v.patchSize)
    .u32('clip.vision.embedding_length', v.nEmbd)
    .u32('clip.vision.feed_forward_length', v.nFf)
    .u32('clip.vision.block_count', v.nLayer)
    .u32('clip.vision.attention.head_count', v.nHead)
    .f32('clip.vision.attention.layer_norm_epsilon', v.layerNormEps)
    .u32('clip.vision.projection_dim', projectionDim)
    .f32Array('clip.vision.image_mean', [0.5, 0.5, 0.5])
    .f32Array('clip.vision.image_std', [0.5, 0.5, 0.5]);

  const weight = (name: string, shape: number[], std = 0.05): void => {
    w.addTensor(name, shape, randomNormalish(product(shape), std, seed, name), 'f16');
  };
  const vector = (name: string, n: number, std = 0.02): void => {
    w.addTensor(name, [n], randomNormalish(n, std, seed, name), 'f32');
  };
  const layerNorm = (prefix: string, n: number): void => {
    w.addTensor(`${prefix}.weight`, [n], ones(n), 'f32');
    w.addTensor(`${prefix}.bias`, [n], zeros(n), 'f32');
  };

  weight('v.patch_embd.weight', [v.patchSize, v.patchSize, 3, v.nEmbd], 0.02);
  vector('v.patch_embd.bias', v.nEmbd);
  w.addTensor('v.position_embd.weight', [v.nEmbd, nPatches],
    randomNormalish(v.nEmbd * nPatches, 0.02, seed, 'v.position_embd.weight'), 'f32');
  for (let i = 0; i < v.nLayer; i++) {
    const p = `v.blk.${i}`;
    for (const proj of ['attn_q', 'attn_k', 'attn_v', 'attn_out']) {
      weight(`${p}.${proj}.weight`, [v.nEmbd, v.nEmbd]);
      vector(`${p}.${proj}.bias`, v.nEmbd);
    }
    layerNorm(`${p}.ln1`, v.nEmbd);
    layerNorm(`${p}.ln2`, v.nEmbd);
    weight(`${p}.ffn_up.weight`, [v.nEmbd, v.nFf]); // HF fc1
    vector(`${p}.ffn_up.bias`, v.nFf);
    weight(`${p}.ffn_down.weight`, [v.nFf, v.nEmbd]); // HF fc2
    vector(`${p}.ffn_down.bias`, v.nEmbd);
  }
  layerNorm('v.post_ln', v.nEmbd);
  w.addTensor('mm.soft_emb_norm.weight', [v.nEmbd], ones(v.nEmbd), 'f32'); // stored +1
  // HF (vision_hidden, text_hidden) matrix stored as-is: ne = [text_hidden, vision_hidden].
  weight('mm.input_projection.weight', [projectionDim, v.nEmbd]);
  return w;
}
