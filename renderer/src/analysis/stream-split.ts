// Splits the model's streamed text into "Thinking Process" and "Final Answer" for display while it arrives.
// Pure and streaming-safe: a marker cut in half at the end of the text ("Final Ans") is held back instead of
// flashing in the wrong section. The server's final analysis (thinking/answer/structured) stays authoritative.

export interface StreamSections {
  /** Text before any marker (all of it while no marker has arrived, or when the model ignores the format). */
  preamble: string;
  /** null until "Thinking Process:" has been seen. */
  thinking: string | null;
  /** null until "Final Answer:" has been seen. */
  answer: string | null;
}

const MARKERS = ['thinking process:', 'final answer:'];
const THINKING = /\**[ \t]*thinking process[ \t]*\**[ \t]*:\**/i;
const ANSWER = /\**[ \t]*final answer[ \t]*\**[ \t]*:\**/i;
const BOUNDARY = /[\s*#_>]/;

/** Length of a trailing, unfinished marker (a proper prefix of one, starting at a word boundary), else 0. */
export function heldBackLength(text: string): number {
  const longest = Math.max(...MARKERS.map((m) => m.length - 1));
  for (let k = Math.min(longest, text.length); k >= 1; k--) {
    const start = text.length - k;
    const suffix = text.slice(start).toLowerCase();
    if (start > 0 && !BOUNDARY.test(text[start - 1]!)) continue;
    if (!/^[a-z]/.test(suffix)) continue;
    if (MARKERS.some((m) => m.startsWith(suffix) && m.length > suffix.length)) return k;
  }
  return 0;
}

function clean(s: string): string {
  return s.replace(/^\s+/, '').replace(/\s+$/, '');
}

export function splitStream(text: string): StreamSections {
  const body = text.slice(0, text.length - heldBackLength(text));
  const t = THINKING.exec(body);
  const searchFrom = t ? t.index + t[0].length : 0;
  const aRel = ANSWER.exec(body.slice(searchFrom));
  const a = aRel ? { index: searchFrom + aRel.index, end: searchFrom + aRel.index + aRel[0].length } : null;

  if (!t && !a) return { preamble: clean(body), thinking: null, answer: null };
  if (t && !a) return { preamble: clean(body.slice(0, t.index)), thinking: clean(body.slice(searchFrom)), answer: null };
  if (!t && a) return { preamble: clean(body.slice(0, a.index)), thinking: null, answer: clean(body.slice(a.end)) };
  return {
    preamble: clean(body.slice(0, t!.index)),
    thinking: clean(body.slice(searchFrom, a!.index)),
    answer: clean(body.slice(a!.end)),
  };
}
