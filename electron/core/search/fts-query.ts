// Turning what a reviewer types into an FTS5 query, and a matched text into a short snippet with the matched
// words marked. The words are split and folded the way the index's tokenizer does it (unicode61 with
// remove_diacritics: runs of letters and digits, case and accents ignored).

const WORD = /[\p{L}\p{N}]+/gu;
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The typed words that can match anything (anything with a letter or digit in it). */
function words(text: string): string[] {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/"/g, ''))
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
}

/**
 * Every word must match (AND), each word as a quoted phrase so FTS5 operators in the text are plain words;
 * the last word also matches as a prefix ("capsulo" finds capsulorhexis). Null when nothing searchable is left.
 */
export function toMatchQuery(text: string): string | null {
  const ws = words(text);
  if (!ws.length) return null;
  return ws.map((w, i) => `"${w}"${i === ws.length - 1 && /[\p{L}\p{N}]$/u.test(w) ? ' *' : ''}`).join(' ');
}

/** What to mark in a matched text: whole tokens, and the last token as a prefix. */
export function queryTerms(text: string): { exact: Set<string>; prefix: string | null } {
  const ws = words(text);
  const exact = new Set<string>();
  let prefix: string | null = null;
  ws.forEach((w, i) => {
    const tokens = (w.match(WORD) ?? []).map(fold);
    tokens.forEach((t, j) => {
      if (i === ws.length - 1 && j === tokens.length - 1 && /[\p{L}\p{N}]$/u.test(w)) prefix = t;
      else exact.add(t);
    });
  });
  return { exact, prefix };
}

/** Collapses runs of whitespace to one space (and trims), moving the ranges with the text. */
function collapse(text: string, ranges: Array<[number, number]>): string {
  const map: number[] = [];
  let out = '';
  let prevSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    map[i] = out.length;
    if (/\s/.test(c)) {
      if (!prevSpace) out += ' ';
      prevSpace = true;
    } else {
      out += c;
      prevSpace = false;
    }
  }
  map[text.length] = out.length;
  const trimmed = out.trimEnd();
  for (const r of ranges) {
    r[0] = Math.min(map[r[0]]!, trimmed.length);
    r[1] = Math.min(map[r[1]]!, trimmed.length);
  }
  return trimmed;
}

/**
 * About `size` characters of `body` around its first matched word, with "…" where it was cut, and the
 * [start, end) ranges of the matched words in that snippet.
 */
export function makeSnippet(body: string, terms: { exact: Set<string>; prefix: string | null }, size = 160): { snippet: string; highlights: Array<[number, number]> } {
  const tokens = [...body.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, text: fold(m[0]) }));
  const hit = (t: string) => terms.exact.has(t) || (terms.prefix !== null && t.startsWith(terms.prefix));
  const first = tokens.findIndex((t) => hit(t.text));
  const anchor = first < 0 ? 0 : Math.max(0, first - 6);
  const from = tokens.length ? (anchor === 0 ? 0 : tokens[anchor]!.start) : 0;
  let to = Math.min(body.length, from + size);
  const cut = tokens.find((t) => t.start < to && t.end > to);
  if (cut) to = cut.end; // never end inside a word
  const ranges: Array<[number, number]> = tokens.filter((t) => t.start >= from && t.end <= to && hit(t.text)).map((t) => [t.start - from, t.end - from]);
  let snippet = collapse(body.slice(from, to), ranges);
  const highlights = ranges.filter(([a, b]) => b > a);
  if (from > 0) {
    snippet = `…${snippet}`;
    for (const r of highlights) {
      r[0] += 1;
      r[1] += 1;
    }
  }
  if (to < body.length && body.slice(to).trim()) snippet += '…';
  return { snippet, highlights };
}
