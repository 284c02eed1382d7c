// The full-size random test model: MedGemma 1.5 4B's exact architecture and shapes (Gemma 3 4B text model and the
// SigLIP so400m vision tower with the Gemma 3 projector), random weights, for benchmarks at the real size. Shapes
// and keys follow llama.cpp's gemma3 loaders (src/models/gemma3.cpp, tools/mtmd/clip.cpp) and its converter
// (conversion/gemma.py: patch and position embeddings f32, input_projection f16). Output is meaningless.
import { GgufWriter, type TensorDataType } from './gguf-writer';
import { encodeTensorData } from './gguf-tensor-data';
import { bytesOf, randomF16Chunks, randomF32 } from './full-gemma3-random';
import { addRealTokenizer, type RealTokenizer } from './gemma3-real-tokenizer';
import { ones, product, zeros } from './tiny-gemma3-random';

/** Gemma 3 4B (google/gemma-3-4b-it text_config), which MedGemma 1.5 4B keeps. */
export const FULL_GEMMA3_TEXT = {
  nEmbd: 2560,
  nLayer: 34,
  nHead: 8,
  nHeadKv: 4,
  headDim: 256,
  nFf: 10240,
  contextLength: 131072,
  slidingWindow: 1024,
  ropeFreqBase: 1_000_000,
  ropeFreqBaseSwa: 10_000,
  ropeScalingFactor: 8, // linear, global layers
  rmsEps: 1e-6,
} as const;

/** SigLIP so400m at 896 px (gemma-3-4b-it vision_config) and the Gemma 3 projector: 256 image tokens. */
export const FULL_GEMMA3_VISION = {
  imageSize: 896,
  patchSize: 14,
  nEmbd: 1152,
  nFf: 4304,
  nLayer: 27,
  nHead: 16,
  layerNormEps: 1e-6,
  projectionDim: 2560,
} as const;

const STD = 0.02; // weights; with Gemma's sqrt(n_embd) embedding scale this keeps activations near unit size

/** The text model as f16 (streamed: 7.8 GB), for llama-quantize to make Q4_K_M of. */
export function buildFullGemma3Text(tokenizer: RealTokenizer, seed: number): GgufWriter {
  const h = FULL_GEMMA3_TEXT;
  const w = new GgufWriter({ alignment: 32 });
  w.string('general.architecture', 'gemma3')
    .string('general.type', 'model')
    .string('general.name', 'full-size gemma3 4B (random weights, benchmarks only)')
    .u32('general.file_type', 1) // mostly f16
    .u32('gemma3.context_length', h.contextLength)
    .u32('gemma3.embedding_length', h.nEmbd)
    .u32('gemma3.block_count', h.nLayer)
    .u32('gemma3.feed_forward_length', h.nFf)
    .u32('gemma3.attention.head_count', h.nHead)
    .u32('gemma3.attention.head_count_kv', h.nHeadKv)
    .u32('gemma3.attention.key_length', h.headDim)
    .u32('gemma3.attention.value_length', h.headDim)
    .f32('gemma3.attention.layer_norm_rms_epsilon', h.rmsEps)
    .f32('gemma3.rope.freq_base', h.ropeFreqBase)
    .f32('gemma3.rope.freq_base_swa', h.ropeFreqBaseSwa)
    .string('gemma3.rope.scaling.type', 'linear')
    .f32('gemma3.rope.scaling.factor', h.ropeScalingFactor)
    .u32('gemma3.attention.sliding_window', h.slidingWindow);
  addRealTokenizer(w, tokenizer);

  const f16 = (name: string, shape: number[]): void => {
    w.addTensorChunks(name, shape, 'f16', function* () {
      for (const c of randomF16Chunks(product(shape), STD, seed, name)) yield bytesOf(c);
    });
  };
  const norm = (name: string, n: number): void => void w.addTensor(name, [n], ones(n), 'f32'); // stored +1
  // Tied embedding; control tokens' rows are zero so that EOS/EOT never win greedy decoding on random weights.
  const vocab = tokenizer.tokens.length;
  w.addTensorChunks('token_embd.weight', [h.nEmbd, vocab], 'f16', function* () {
    const rows = 4096;
    for (let first = 0; first < vocab; first += rows) {
      const n = Math.min(rows, vocab - first);
      const chunk = randomF16Chunks(n * h.nEmbd, STD, seed, `token_embd.weight@${first}`, n * h.nEmbd).next().value!;
      for (let r = 0; r < n; r++) {
        const type = tokenizer.types[first + r];
        if (type === 3 || type === 2) chunk.fill(0, r * h.nEmbd, (r + 1) * h.nEmbd); // CONTROL, UNKNOWN
      }
      yield bytesOf(chunk);
    }
  });
  norm('output_norm.weight', h.nEmbd);
  const q = h.nHead * h.headDim;
  const kv = h.nHeadKv * h.headDim;
  for (let i = 0; i < h.nLayer; i++) {
    const p = `blk.${i}`;
    norm(`${p}.attn_norm.weight`, h.nEmbd);
    f16(`${p}.attn_q.weight`, [h.nEmbd, q]);
    f16(`${p}.attn_k.weight`, [h.nEmbd, kv]);
    f16(`${p}.attn_v.weight`, [h.nEmbd, kv]);
    f16(`${p}.attn_output.weight`, [q, h.nEmbd]);
    norm(`${p}.attn_q_norm.weight`, h.headDim);
    norm(`${p}.attn_k_norm.weight`, h.headDim);
    norm(`${p}.post_attention_norm.weight`, h.nEmbd);
    norm(`${p}.ffn_norm.weight`, h.nEmbd);
    f16(`${p}.ffn_gate.weight`, [h.nEmbd, h.nFf]);
    f16(`${p}.ffn_up.weight`, [h.nEmbd, h.nFf]);
    f16(`${p}.ffn_down.weight`, [h.nFf, h.nEmbd]);
    norm(`${p}.post_ffw_norm.weight`, h.nEmbd);
  }
  return w;
}

export type MmprojType = 'f16' | 'q8_0';

/**
 * The gemma3 mmproj with its matrices in f16 or Q8_0 (the same random values; Q8_0 quantized from the f16 ones, as
 * llama.cpp's converter with --outtype q8_0 does: a matrix whose rows are not a multiple of 32 — ffn_down, 4304 —
 * stays f16, the input projection f16, the embeddings f32).
 */
export function buildFullGemma3Mmproj(type: MmprojType, seed: number): GgufWriter {
  const v = FULL_GEMMA3_VISION;
  const nPatches = (v.imageSize / v.patchSize) ** 2;
  const w = new GgufWriter({ alignment: 32 });
  w.string('general.architecture', 'clip')
    .string('general.type', 'mmproj')
    .string('general.name', `full-size gemma3 mmproj ${type} (random weights, benchmarks only)`)
    .u32('general.file_type', type === 'q8_0' ? 7 : 1)
    .string('clip.projector_type', 'gemma3')
    .bool('clip.has_vision_encoder', true)
    .bool('clip.use_gelu', true)
    .u32('clip.vision.image_size', v.imageSize)
    .u32('clip.vision.patch_size', v.patchSize)
    .u32('clip.vision.embedding_length', v.nEmbd)
    .u32('clip.vision.feed_forward_length', v.nFf)
    .u32('clip.vision.block_count', v.nLayer)
    .u32('clip.vision.attention.head_count', v.nHead)
    .f32('clip.vision.attention.layer_norm_epsilon', v.layerNormEps)
    .u32('clip.vision.projection_dim', v.projectionDim)
    .f32Array('clip.vision.image_mean', [0.5, 0.5, 0.5])
    .f32Array('clip.vision.image_std', [0.5, 0.5, 0.5]);

  // Values are drawn while the file is written, so the 400M of them are never all in memory.
  const matrix = (name: string, shape: number[], forced?: TensorDataType): void => {
    const dataType: TensorDataType = forced ?? (type === 'q8_0' && shape[0]! % 32 === 0 ? 'q8_0' : 'f16');
    w.addTensorChunks(name, shape, dataType, function* () {
      if (dataType === 'f16') for (const c of randomF16Chunks(product(shape), STD, seed, name)) yield bytesOf(c);
      else yield encodeTensorData(dataType, randomF32(product(shape), STD, seed, name));
    });
  };
  const vector = (name: string, n: number): void => void w.addTensor(name, [n], randomF32(n, STD, seed, name), 'f32');
  const layerNorm = (prefix: string, n: number): void => {
    w.addTensor(`${prefix}.weight`, [n], ones(n), 'f32');
    w.addTensor(`${prefix}.bias`, [n], zeros(n), 'f32');
  };

  matrix('v.patch_embd.weight', [v.patchSize, v.patchSize, 3, v.nEmbd], 'f32'); // f32: clip crashed on f16 ones
  vector('v.patch_embd.bias', v.nEmbd);
  matrix('v.position_embd.weight', [v.nEmbd, nPatches], 'f32');
  for (let i = 0; i < v.nLayer; i++) {
    const p = `v.blk.${i}`;
    for (const proj of ['attn_q', 'attn_k', 'attn_v', 'attn_out']) {
      matrix(`${p}.${proj}.weight`, [v.nEmbd, v.nEmbd]);
      vector(`${p}.${proj}.bias`, v.nEmbd);
    }
    layerNorm(`${p}.ln1`, v.nEmbd);
    layerNorm(`${p}.ln2`, v.nEmbd);
    matrix(`${p}.ffn_up.weight`, [v.nEmbd, v.nFf]); // HF fc1
    vector(`${p}.ffn_up.bias`, v.nFf);
    matrix(`${p}.ffn_down.weight`, [v.nFf, v.nEmbd]); // HF fc2 (4304 per row: f16 even in the Q8_0 file)
    vector(`${p}.ffn_down.bias`, v.nEmbd);
  }
  layerNorm('v.post_ln', v.nEmbd);
  w.addTensor('mm.soft_emb_norm.weight', [v.nEmbd], ones(v.nEmbd), 'f32'); // stored +1
  matrix('mm.input_projection.weight', [v.projectionDim, v.nEmbd], 'f16'); // ne = [text hidden, vision hidden]
  return w;
}
