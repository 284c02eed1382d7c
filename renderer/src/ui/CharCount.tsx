// A text field's limit, shown rather than enforced by cutting: the count appears as the text nears the limit and
// turns red past it; saving is refused with a message saying by how much (tooLong). Never maxLength on a field the
// reviewer may paste into: the browser would drop the rest of a paste without a word.
const nf = new Intl.NumberFormat('en-GB');

/** The refusal for text over its limit, or null when it fits. */
export function tooLong(text: string, max: number, what: string): string | null {
  const n = text.trim().length;
  if (n <= max) return null;
  return `${what} has at most ${nf.format(max)} characters; this one has ${nf.format(n)}. Shorten it by ${nf.format(n - max)} (or split it) and save again.`;
}

/** "1,234 / 20,000": always when `always`, otherwise from 80 % of the limit. */
export function CharCount({ value, max, always = false, testId }: { value: string; max: number; always?: boolean; testId?: string }) {
  const n = value.trim().length;
  if (!always && n < max * 0.8) return null;
  const over = n > max;
  return (
    <span className={`char-count${over ? ' is-over' : ''}`} data-testid={testId} data-over={over ? 'true' : 'false'} aria-live="polite">
      {nf.format(n)} / {nf.format(max)}
      {over && ' — too long'}
    </span>
  );
}
