// node-llama-cpp loads the project's tiny random gemma3 model on CPU, tokenizes the Gemma turn format
// and generates printable text greedily without stopping early.
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_GEMMA3_SPECIAL_TOKENS as SPECIAL, TINY_GEMMA3_TEXT } from '../../scripts/lib/tiny-gemma3';
import { ensureTestModel, ensureTinyVariant } from '../fixtures/test-model';

const TURN_PROMPT =
  '<start_of_turn>user\nAnalyze the surgical scene in this cataract frame.<end_of_turn>\n<start_of_turn>model\n';

let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  const { modelPath } = await ensureTestModel(224);
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath });
});

afterAll(async () => {
  await model?.dispose();
  await llama?.dispose();
});

describe('tiny gemma3 model in node-llama-cpp', () => {
  it('loads as a gemma3 model with Gemma special tokens', () => {
    expect(model.fileInfo.metadata.general.architecture).toBe('gemma3');
    expect(model.embeddingVectorSize).toBe(TINY_GEMMA3_TEXT.nEmbd);
    expect(model.trainContextSize).toBe(TINY_GEMMA3_TEXT.contextLength);
    expect(model.tokens.bos).toBe(SPECIAL.bos);
    expect(model.tokens.eos).toBe(SPECIAL.eos);
    expect(model.isEogToken(SPECIAL.endOfTurn as Token)).toBe(true);
  });

  it('tokenizes <start_of_turn> as one special token and round-trips the prompt', () => {
    const tokens = model.tokenize(TURN_PROMPT, true);
    expect(tokens[0]).toBe(SPECIAL.startOfTurn);
    expect(tokens.filter((t) => t === SPECIAL.startOfTurn)).toHaveLength(2);
    expect(tokens.filter((t) => t === SPECIAL.endOfTurn)).toHaveLength(1);
    expect(model.detokenize(tokens, true)).toBe(TURN_PROMPT);
    // As plain text the marker is spelled out character by character.
    expect(model.tokenize('<start_of_turn>', false).length).toBeGreaterThan(1);
  });

  it('greedily generates 16 tokens of printable text without stopping early', async () => {
    const context = await model.createContext({ contextSize: 512, threads: 1 }); // threads: 2 is ~100x slower on 2 vCPUs
    try {
      const sequence = context.getSequence();
      const prompt = [SPECIAL.bos as Token, ...model.tokenize(TURN_PROMPT, true)];
      const generated: Token[] = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        expect(model.isEogToken(token)).toBe(false);
        generated.push(token);
        if (generated.length === 16) break;
      }
      expect(generated).toHaveLength(16);
      const text = model.detokenize(generated);
      expect(text.trim().length).toBeGreaterThan(0);
      expect(text).toMatch(/^[\x20-\x7e\n]+$/);
    } finally {
      await context.dispose();
    }
  });

  it('loads the llama-architecture variant (a valid model of the wrong kind)', async () => {
    const other = await llama.loadModel({ modelPath: await ensureTinyVariant('llama-arch') });
    try {
      expect(other.fileInfo.metadata.general.architecture).toBe('llama');
    } finally {
      await other.dispose();
    }
  });

  it('refuses the truncated text model', async () => {
    const modelPath = await ensureTinyVariant('truncated-text');
    await expect(llama.loadModel({ modelPath })).rejects.toThrow();
  });
});
