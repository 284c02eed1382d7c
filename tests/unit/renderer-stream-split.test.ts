// The renderer's display splitter: streamed text into "Thinking Process" / "Final Answer", safe at any cut.
import { describe, expect, it } from 'vitest';
import { heldBackLength, splitStream } from '../../renderer/src/analysis/stream-split';

const FULL =
  'Thinking Process:\nThe capsulorhexis forceps hold the anterior capsule flap; the tear runs smoothly.\n\n' +
  'Final Answer:\nKeep the flap folded over and re-grasp close to the tear front to control its direction.';

describe('splitStream', () => {
  it('splits a complete structured reply', () => {
    expect(splitStream(FULL)).toEqual({
      preamble: '',
      thinking: 'The capsulorhexis forceps hold the anterior capsule flap; the tear runs smoothly.',
      answer: 'Keep the flap folded over and re-grasp close to the tear front to control its direction.',
    });
  });

  it('shows text without markers as preamble only', () => {
    expect(splitStream('The image shows a pupil')).toEqual({ preamble: 'The image shows a pupil', thinking: null, answer: null });
    expect(splitStream('')).toEqual({ preamble: '', thinking: null, answer: null });
  });

  it('accepts markdown bold and other cases of the markers', () => {
    const r = splitStream('**Thinking Process:**\nreasoning here\n\n**Final Answer:**\ndo this');
    expect(r.thinking).toBe('reasoning here');
    expect(r.answer).toBe('do this');
    const s = splitStream('thinking process: a\nFINAL ANSWER**: b');
    expect(s).toEqual({ preamble: '', thinking: 'a', answer: 'b' });
  });

  it('keeps an answer without a thinking section', () => {
    expect(splitStream('Final Answer: irrigate')).toEqual({ preamble: '', thinking: null, answer: 'irrigate' });
  });

  it('keeps text before the first marker as preamble', () => {
    expect(splitStream('Sure.\nThinking Process:\nx')).toEqual({ preamble: 'Sure.', thinking: 'x', answer: null });
  });

  it('never shows a half-arrived marker in a section, at any cut of the stream', () => {
    for (let i = 0; i <= FULL.length; i++) {
      const r = splitStream(FULL.slice(0, i));
      for (const part of [r.preamble, r.thinking ?? '', r.answer ?? '']) {
        expect(part).not.toMatch(/\bFinal A?n?s?w?e?r?:?$/);
        expect(part).not.toMatch(/Final Answer/);
        expect(part).not.toMatch(/Thinking Process/);
        expect(part).not.toMatch(/^Thin?k?i?n?g?$/);
      }
      // Sections only grow: what is shown is a prefix of the final text.
      if (r.thinking) expect('The capsulorhexis forceps hold the anterior capsule flap; the tear runs smoothly.'.startsWith(r.thinking)).toBe(true);
      if (r.answer) expect('Keep the flap folded over and re-grasp close to the tear front to control its direction.'.startsWith(r.answer)).toBe(true);
    }
  });

  it('does not hold back ordinary words that merely start like a marker', () => {
    expect(heldBackLength('the forceps')).toBe(0);
    expect(heldBackLength('then Fin')).toBe(3);
    expect(heldBackLength('flap.\nThink')).toBe(5);
    expect(heldBackLength('a fine')).toBe(0);
    expect(splitStream('Thinking Process:\nuse the final').thinking).toBe('use the');
    expect(splitStream('Thinking Process:\nuse the final tip').thinking).toBe('use the final tip');
  });
});
