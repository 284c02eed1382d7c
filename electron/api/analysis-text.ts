// The model's answer format ("Thinking Process:" … "Final Answer:" …), split the same way while it streams
// and once it is complete. Shared by the renderer (live display) and the services (stored rows).

export interface SplitAnalysis {
  thinking: string | null;
  answer: string;
  /** Both headers were found in order. Unstructured text is kept whole as the answer. */
  structured: boolean;
}

// A header line: optional markdown (#, **, __, *), the words, optional emphasis, then a colon (inside or
// outside the emphasis) or the end of the line. Case-insensitive; "Thinking process", "THINKING PROCESS", "**Final Answer:**" all count.
const HEADER = (words: string) =>
  new RegExp(
    `(^|\\n)[ \\t]*(?:#{1,6}[ \\t]*)?(?:\\*\\*|__|\\*|_)?[ \\t]*${words}[ \\t]*(?:\\*\\*|__|\\*|_)?[ \\t]*(?::[ \\t]*(?:\\*\\*|__|\\*|_)?|(?=\\n|$))[ \\t]*`,
    'i',
  );
const THINKING = HEADER('thinking[ \\t]+process');
const ANSWER = HEADER('final[ \\t]+answer');

function clean(s: string): string {
  return s.replace(/^\s*\n/, '').replace(/\s+$/, '').replace(/^[ \t]+/, '');
}

/**
 * How much of a streaming text's tail could still turn into a header (e.g. "\n**Final Ans"): that much is held
 * back from the display so a half-written header never shows up as content.
 */
export function pendingHeaderLength(text: string): number {
  const lastBreak = text.lastIndexOf('\n');
  const tail = text.slice(lastBreak + 1);
  if (tail.length === 0 || tail.length > 40) return 0;
  const bare = tail.replace(/^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__|\*|_)?[ \t]*/, '').toLowerCase();
  if (bare === '') return tail.length;
  for (const h of ['thinking process', 'final answer']) if (h.startsWith(bare.replace(/[ \t]+/g, ' '))) return tail.length;
  return 0;
}

export function splitAnalysisText(raw: string, options: { streaming?: boolean } = {}): SplitAnalysis {
  const text = options.streaming ? raw.slice(0, raw.length - pendingHeaderLength(raw)) : raw;
  const t = THINKING.exec(text);
  const a = ANSWER.exec(text);
  if (a && (!t || t.index < a.index)) {
    const answer = clean(text.slice(a.index + a[0].length));
    const thinkingStart = t ? t.index + t[0].length : 0;
    const thinking = clean(text.slice(thinkingStart, a.index));
    return { thinking: t || thinking ? thinking : null, answer, structured: Boolean(t) };
  }
  if (t && !a) {
    // Still thinking (streaming), or the answer header never came: keep the text visible as thinking while
    // streaming; a finished text without "Final Answer" is unstructured and kept whole as the answer.
    if (options.streaming) return { thinking: clean(text.slice(t.index + t[0].length)), answer: '', structured: false };
    return { thinking: null, answer: clean(raw), structured: false };
  }
  return { thinking: null, answer: clean(options.streaming ? text : raw), structured: false };
}

/** What the analysis panel shows while the text streams. */
export interface StreamSections {
  /** The text while no header has arrived (it becomes the answer if none ever does). */
  preamble: string;
  /** null until "Thinking Process" has arrived (or text stands before a bare "Final Answer"). */
  thinking: string | null;
  /** null until "Final Answer" has arrived. */
  answer: string | null;
}

/**
 * The streaming text split by the same headers and rules as the stored analysis (splitAnalysisText), so what the
 * reviewer watches arrive is what is kept; a header still arriving is held back.
 */
export function splitStreamSections(raw: string): StreamSections {
  const text = raw.slice(0, raw.length - pendingHeaderLength(raw));
  const t = THINKING.exec(text);
  const a = ANSWER.exec(text);
  if (a && (!t || t.index < a.index)) {
    const thinking = clean(text.slice(t ? t.index + t[0].length : 0, a.index));
    return { preamble: '', thinking: t || thinking ? thinking : null, answer: clean(text.slice(a.index + a[0].length)) };
  }
  if (t && !a) return { preamble: '', thinking: clean(text.slice(t.index + t[0].length)), answer: null };
  return { preamble: clean(text), thinking: null, answer: null };
}
