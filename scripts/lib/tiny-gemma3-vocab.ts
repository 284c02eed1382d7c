// Vocabulary and tokenizer metadata of the tiny Gemma-3 test model (tiny-gemma3.ts): a small SentencePiece
// (SPM) vocabulary with Gemma's special tokens, and a Gemma-style chat template.
import type { GgufWriter } from './gguf-writer';

/** Token ids of the special tokens (the same layout as real Gemma for pad/eos/bos/unk). */
export const TINY_GEMMA3_SPECIAL_TOKENS = {
  pad: 0,
  eos: 1,
  bos: 2,
  unk: 3,
  mask: 4,
  startOfTurn: 5,
  endOfTurn: 6,
  startOfImage: 7,
  endOfImage: 8,
  imageSoftToken: 9,
} as const;

const SPECIAL_TEXTS: readonly string[] = [
  '<pad>', '<eos>', '<bos>', '<unk>', '<mask>',
  '<start_of_turn>', '<end_of_turn>', '<start_of_image>', '<end_of_image>', '<image_soft_token>',
];

/** llama.cpp token types. */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** SentencePiece's word-boundary marker, which stands for a space in SPM vocabularies. */
const SPM_SPACE = '\u2581';

// Multi-character pieces. SPM merges adjacent symbols only when the merged text is in the vocabulary,
// so every prefix of a word is added to make the word reachable.
const PIECE_WORDS: readonly string[] = [
  '▁the', '▁and', '▁of', '▁to', '▁in', '▁is', '▁a', '▁for', '▁surgical', '▁cataract', '▁frame', '▁lens',
  '▁eye', 'Thinking', '▁Process', 'Final', '▁Answer', '▁phase', '▁resident',
  'er', 'ing', 'on', 're', 'an', 'en', 'at',
];

export const TINY_GEMMA3_VOCAB_SIZE = 448;

export interface TinyVocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
}

/** 10 specials, 256 byte tokens, 95 printable ASCII characters (space as ▁), 87 pieces: 448 tokens. */
export function buildTinyGemma3Vocab(): TinyVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const seen = new Set<string>();
  const add = (text: string, score: number, type: number): void => {
    if (seen.has(text)) return;
    seen.add(text);
    tokens.push(text);
    scores.push(score);
    types.push(type);
  };

  SPECIAL_TEXTS.forEach((t, i) => add(t, 0, i === TINY_GEMMA3_SPECIAL_TOKENS.unk ? TokenType.UNKNOWN : TokenType.CONTROL));
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, TokenType.BYTE);
  for (let c = 0x20; c <= 0x7e; c++) {
    add(c === 0x20 ? SPM_SPACE : String.fromCharCode(c), -1000 - (c - 0x20), TokenType.NORMAL);
  }
  const pieces: string[] = [];
  const pieceSet = new Set<string>();
  for (const word of PIECE_WORDS) {
    const chars = [...word];
    for (let k = 2; k <= chars.length; k++) {
      const p = chars.slice(0, k).join('');
      if (!pieceSet.has(p)) { pieceSet.add(p); pieces.push(p); }
    }
  }
  // Longer pieces score higher, so whole words win over their prefixes.
  pieces.forEach((p, i) => add(p, -100 + [...p].length * 10 - i * 0.01, TokenType.NORMAL));

  if (tokens.length !== TINY_GEMMA3_VOCAB_SIZE) {
    throw new Error(`tiny gemma3 vocabulary has ${tokens.length} tokens, expected ${TINY_GEMMA3_VOCAB_SIZE}`);
  }
  return { tokens, scores: Float32Array.from(scores), types: Int32Array.from(types) };
}

// A Gemma-style chat template written for this project: BOS, a system message folded into the first
// user turn, "assistant" mapped to "model", turns wrapped in <start_of_turn>/<end_of_turn>.
export const TINY_GEMMA3_CHAT_TEMPLATE = [
  '{{ bos_token }}',
  "{%- if messages and messages[0]['role'] == 'system' -%}",
  "{%- set preamble = messages[0]['content'] + '\\n\\n' -%}",
  '{%- set turns = messages[1:] -%}',
  '{%- else -%}',
  "{%- set preamble = '' -%}",
  '{%- set turns = messages -%}',
  '{%- endif -%}',
  '{%- for message in turns -%}',
  "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}",
  "{{ '<start_of_turn>' + role + '\\n' }}",
  '{%- if loop.first -%}{{ preamble }}{%- endif -%}',
  "{%- if message['content'] is string -%}",
  "{{ message['content'] | trim }}",
  '{%- else -%}',
  "{%- for part in message['content'] -%}",
  "{%- if part['type'] == 'image' -%}{{ '<start_of_image>' }}",
  "{%- elif part['type'] == 'text' -%}{{ part['text'] | trim }}",
  '{%- endif -%}',
  '{%- endfor -%}',
  '{%- endif -%}',
  "{{ '<end_of_turn>\\n' }}",
  '{%- endfor -%}',
  "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\\n' }}{%- endif -%}",
].join('');

/** The tokenizer.* keys of the text model. */
export function addTokenizer(w: GgufWriter, vocab: TinyVocab): void {
  const s = TINY_GEMMA3_SPECIAL_TOKENS;
  w.string('tokenizer.ggml.model', 'llama') // SentencePiece (SPM)
    .string('tokenizer.ggml.pre', 'default')
    .stringArray('tokenizer.ggml.tokens', vocab.tokens)
    .f32Array('tokenizer.ggml.scores', vocab.scores)
    .i32Array('tokenizer.ggml.token_type', vocab.types)
    .u32('tokenizer.ggml.bos_token_id', s.bos) // SPM defaults are bos=1/eos=2: Gemma differs
    .u32('tokenizer.ggml.eos_token_id', s.eos)
    .u32('tokenizer.ggml.unknown_token_id', s.unk)
    .u32('tokenizer.ggml.padding_token_id', s.pad)
    .bool('tokenizer.ggml.add_bos_token', true)
    .bool('tokenizer.ggml.add_eos_token', false)
    .bool('tokenizer.ggml.add_space_prefix', false)
    .string('tokenizer.chat_template', TINY_GEMMA3_CHAT_TEMPLATE);
}
