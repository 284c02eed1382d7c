// Prompts: the seed prompt (word for word, from resources/) and the Gemma turn format around it.
import seed from '../../resources/prompts/cataract-seed.json';

export const SEED_PROMPT: string = seed.text;
export const SEED_MAX_TOKENS: number = seed.maxTokens;

/** mtmd replaces this marker with <start_of_image> + the image tokens + <end_of_image>. */
export const MEDIA_MARKER = '<__media__>';

/** One Gemma user turn (image first, then the text), ready for the model's answer. */
export function gemmaUserTurn(text: string, withImage: boolean): string {
  return `<start_of_turn>user\n${withImage ? MEDIA_MARKER : ''}${text}<end_of_turn>\n<start_of_turn>model\n`;
}
