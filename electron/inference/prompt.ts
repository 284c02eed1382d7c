// Prompts: the seed prompt (word for word, from resources/) and the Gemma 3 turn layout around it, exactly as
// transformers' Gemma 3 processor + chat template build it (the layout the model was fine-tuned on):
//
//   <bos><start_of_turn>user\n  \n\n<start_of_image>{image tokens}<end_of_image>\n\n  {text, trimmed}<end_of_turn>\n
//   <start_of_turn>model\n{answer, trimmed}<end_of_turn>\n<start_of_turn>user\n{question, trimmed}<end_of_turn>\n
//   <start_of_turn>model\n
//
// The chat template trims each message's text; the processor expands the image placeholder to
// "\n\n<start_of_image>" + 256 image tokens + "<end_of_image>\n\n". llama.cpp's own tools leave those blank lines
// out; we do not. Checked token by token against fixtures transformers made (tests/fixtures/gemma3-parity/).
// BOS is not in these strings: the tokenizer adds it once, at the start of the conversation.
import seed from '../../resources/prompts/cataract-seed.json';

export const SEED_PROMPT: string = seed.text;
export const SEED_MAX_TOKENS: number = seed.maxTokens;

/** mtmd replaces this marker with <start_of_image> + the image tokens + <end_of_image>. */
export const MEDIA_MARKER = '<__media__>';

/**
 * The version of the prompt layout, stored in every analysis's provenance. Analyses without it were asked in
 * the layout llama.cpp's tools use (no blank lines around the image, text not trimmed): the model never saw it
 * in training, so the app offers to run them again.
 */
export const PROMPT_LAYOUT = 'gemma3-hf-chat-v2';
export const LEGACY_PROMPT_LAYOUT = 'llama.cpp-mtmd-v1';

/** Default context (tokens) of a conversation: the seed serves the model with vLLM's --max-model-len 4096. */
export const DEFAULT_CONTEXT_SIZE = 4096;

// Python's str.isspace() set: Jinja's `trim` filter is Python's str.strip(), which differs from JS trim()
// (it strips \x1c-\x1f and \x85; it keeps \uFEFF).
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** Jinja's `trim` (Python's str.strip()), as the Gemma 3 chat template applies it to every message. */
export function templateTrim(text: string): string {
  return text.replace(PY_STRIP, '');
}

/** The image as the Gemma 3 processor expands it in the text: a blank line before and after. */
export function imageSpan(marker: string = MEDIA_MARKER): string {
  return `\n\n${marker}\n\n`;
}

/**
 * The first user turn (the image first, then the text), ready for the model's answer. A system message goes first,
 * untrimmed, followed by a blank line: the template's first_user_prefix (Gemma has no system role).
 */
export function gemmaFirstTurn(text: string, withImage: boolean, marker: string = MEDIA_MARKER, system?: string): string {
  const prefix = system !== undefined ? `${system}\n\n` : '';
  return `<start_of_turn>user\n${prefix}${withImage ? imageSpan(marker) : ''}${templateTrim(text)}<end_of_turn>\n<start_of_turn>model\n`;
}

/**
 * What a later turn appends to the conversation after the model's previous answer: that answer as the template
 * renders it (trimmed, closed), then the new question, ready for the next answer.
 */
export function gemmaFollowUp(previousAnswer: string, question: string): string {
  return `${templateTrim(previousAnswer)}<end_of_turn>\n<start_of_turn>user\n${templateTrim(question)}<end_of_turn>\n<start_of_turn>model\n`;
}

export interface ConversationTurn {
  question: string;
  /** The model's answer; absent for the last turn (the one being asked). */
  answer?: string;
}

/** The whole conversation as one prompt (what a server without the app's KV cache must be sent). */
export function gemmaConversation(turns: readonly ConversationTurn[], withImage: boolean, marker: string = MEDIA_MARKER, system?: string): string {
  if (turns.length === 0) throw new Error('A conversation needs at least one question.');
  let out = gemmaFirstTurn(turns[0]!.question, withImage, marker, system);
  for (let i = 1; i < turns.length; i++) out += gemmaFollowUp(turns[i - 1]!.answer ?? '', turns[i]!.question);
  return out;
}

/**
 * The whole prompt of one request, image included: the first turn, or the conversation so far and the new question
 * (a follow-up whose context is not kept). What the local engine evaluates and llama-server's /completion is sent.
 */
export function wholePrompt(question: string, history: readonly { question: string; answer: string }[] = [], system?: string, marker: string = MEDIA_MARKER): string {
  return history.length > 0 ? gemmaConversation([...history, { question }], true, marker, system) : gemmaFirstTurn(question, true, marker, system);
}

/** The layout the app used before PROMPT_LAYOUT (kept to describe old analyses; never sent any more). */
export function legacyUserTurn(text: string, withImage: boolean): string {
  return `<start_of_turn>user\n${withImage ? MEDIA_MARKER : ''}${text}<end_of_turn>\n<start_of_turn>model\n`;
}
