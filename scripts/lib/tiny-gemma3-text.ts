// The text half of the tiny Gemma-3 test model (tiny-gemma3.ts): hyperparameters, metadata and random
// tensors of a 2-layer gemma3 text GGUF (and of a llama-architecture twin for the failure fixtures).
import { GgufWriter } from './gguf-writer';
import { ones, product, randomNormalish, TINY_GEMMA3_DEFAULT_SEED } from './tiny-gemma3-random';
import { addTokenizer, buildTinyGemma3Vocab, TokenType, type TinyVocab } from './tiny-gemma3-vocab';

export const TINY_GEMMA3_TEXT = {
  nEmbd: 64,
  nLayer: 2,
  nHead: 2,
  nHeadKv: 1,
  headDim: 32,
  nFf: 128,
  contextLength: 8192,
  slidingWindow: 512,
  // Layer 0 uses sliding-window attention, layer 1 global attention (real Gemma 3 uses 6).
  slidingWindowPattern: 2,
  ropeFreqBase: 1_000_000,
  rmsEps: 1e-6,
} as const;

/** Tied token embedding: control rows zeroed (EOS/EOT never win greedy decoding), byte rows scaled by 0.1. */
function tokenEmbedding(vocab: TinyVocab, nEmbd: number, seed: number): Float32Array {
  const data = randomNormalish(vocab.tokens.length * nEmbd, 0.1, seed, 'token_embd.weight');
  vocab.tokens.forEach((_, id) => {
    const type = vocab.types[id];
    const scale = type === TokenType.CONTROL || type === TokenType.UNKNOWN ? 0 : type === TokenType.BYTE ? 0.1 : 1;
    if (scale === 1) return;
    for (let i = id * nEmbd; i < (id + 1) * nEmbd; i++) data[i] = data[i]! * scale;
  });
  return data;
}

export type TextArch = 'gemma3' | 'llama';

/** The text model of either architecture; llama only for the failure fixtures. */
export function buildTextModel(arch: TextArch, seed: number): GgufWriter {
  const h = TINY_GEMMA3_TEXT;
  const vocab = buildTinyGemma3Vocab();
  const w = new GgufWriter({ alignment: 32 });
  w.string('general.architecture', arch)
    .string('general.type', 'model')
    .string('general.name', arch === 'gemma3' ? 'tiny-gemma3 (random weights, tests only)' : 'tiny-llama (random weights, tests only)')
    .u32('general.file_type', 1) // mostly f16
    .u32(`${arch}.context_length`, h.contextLength)
    .u32(`${arch}.embedding_length`, h.nEmbd)
    .u32(`${arch}.block_count`, h.nLayer)
    .u32(`${arch}.feed_forward_length`, h.nFf)
    .u32(`${arch}.attention.head_count`, h.nHead)
    .u32(`${arch}.attention.head_count_kv`, h.nHeadKv)
    .u32(`${arch}.attention.key_length`, h.headDim)
    .u32(`${arch}.attention.value_length`, h.headDim)
    .f32(`${arch}.attention.layer_norm_rms_epsilon`, h.rmsEps)
    .f32(`${arch}.rope.freq_base`, h.ropeFreqBase);
  if (arch === 'gemma3') {
    w.u32('gemma3.attention.sliding_window', h.slidingWindow).u32('gemma3.attention.sliding_window_pattern', h.slidingWindowPattern);
  } else {
    w.u32('llama.rope.dimension_count', h.headDim).u32('llama.vocab_size', vocab.tokens.length);
  }
  addTokenizer(w, vocab);

  const weight = (name: string, shape: number[], std = 0.05): void => {
    w.addTensor(name, shape, randomNormalish(product(shape), std, seed, name), 'f16');
  };
  const norm = (name: string, n: number): void => {
    w.addTensor(name, [n], ones(n), 'f32'); // Gemma stores norm weights already +1
  };

  const qDim = h.nHead * h.headDim;
  const kvDim = h.nHeadKv * h.headDim;
  w.addTensor('token_embd.weight', [h.nEmbd, vocab.tokens.length], tokenEmbedding(vocab, h.nEmbd, seed), 'f16');
  norm('output_norm.weight', h.nEmbd);
  for (let i = 0; i < h.nLayer; i++) {
    const p = `blk.${i}`;
    norm(`${p}.attn_norm.weight`, h.nEmbd);
    weight(`${p}.attn_q.weight`, [h.nEmbd, qDim]);
    weight(`${p}.attn_k.weight`, [h.nEmbd, kvDim]);
    weight(`${p}.attn_v.weight`, [h.nEmbd, kvDim]);
    weight(`${p}.attn_output.weight`, [qDim, h.nEmbd]);
    if (arch === 'gemma3') {
      norm(`${p}.attn_q_norm.weight`, h.headDim);
      norm(`${p}.attn_k_norm.weight`, h.headDim);
      norm(`${p}.post_attention_norm.weight`, h.nEmbd);
    }
    norm(`${p}.ffn_norm.weight`, h.nEmbd);
    weight(`${p}.ffn_gate.weight`, [h.nEmbd, h.nFf]);
    weight(`${p}.ffn_up.weight`, [h.nEmbd, h.nFf]);
    weight(`${p}.ffn_down.weight`, [h.nFf, h.nEmbd]);
    if (arch === 'gemma3') norm(`${p}.post_ffw_norm.weight`, h.nEmbd);
  }
  return w;
}

/** The gemma3 text model as an in-memory GGUF writer. */
export function buildTinyGemma3Text(seed: number = TINY_GEMMA3_DEFAULT_SEED): GgufWriter {
  return buildTextModel('gemma3', seed);
}
