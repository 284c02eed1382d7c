// The analysis panel's split of the streaming text into "Thinking Process" / "Final Answer": safe at any cut, and
// by the same rules as the stored analysis (splitAnalysisText), so what streams is what is kept.
import { describe, expect, it } from 'vitest';
import { pendingHeaderLength, splitAnalysisText, splitStreamSections as splitStream } from '../../electron/api/analysis-text';

const FULL =
  'Thinking Process:\nThe capsulorhexis forceps hold the anterior capsule flap; the tear runs smoothly.\n\n' +
  'Final Answer:\nKeep the flap folded over and re-grasp close to the tear front to control its direction.';

describe('splitStreamSections', () => {
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

  it('shows text before the first header as preamble until a header arrives, then as the stored split does', () => {
    expect(splitStream('Sure.\n')).toEqual({ preamble: 'Sure.', thinking: null, answer: null });
    expect(splitStream('Sure.\nThinking Process:\nx')).toEqual({ preamble: '', thinking: 'x', answer: null });
    expect(splitStream('Looks fine.\nFinal Answer: irrigate')).toEqual({ preamble: '', thinking: 'Looks fine.', answer: 'irrigate' });
  });

  it('ends exactly where the stored split ends, for every kind of reply', () => {
    for (const text of [FULL, 'Final Answer: irrigate', 'Looks fine.\nFinal Answer: irrigate', '**Thinking Process:**\nr\n\n**Final Answer:**\nd', 'the final answer: mid-line is text']) {
      const stored = splitAnalysisText(text);
      const shown = splitStream(text);
      if (shown.thinking !== null || shown.answer !== null) expect({ preamble: shown.preamble, thinking: shown.thinking, answer: shown.answer }).toEqual({ preamble: '', thinking: stored.thinking, answer: stored.answer });
      else expect(shown.preamble).toBe(stored.answer); // no header: the whole text, kept as the answer
    }
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

  it('holds back only what could still become a header line, not ordinary words', () => {
    expect(pendingHeaderLength('the forceps')).toBe(0);
    expect(pendingHeaderLength('then Fin')).toBe(0); // a header starts its own line
    expect(pendingHeaderLength('flap.\nThink')).toBe(5);
    expect(pendingHeaderLength('flap.\n**Final Ans')).toBe(11);
    expect(pendingHeaderLength('a fine')).toBe(0);
    expect(splitStream('Thinking Process:\nuse the\nfinal').thinking).toBe('use the');
    expect(splitStream('Thinking Process:\nuse the\nfinal tip').thinking).toBe('use the\nfinal tip');
  });
});
