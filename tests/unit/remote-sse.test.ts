// The SSE parser the remote engine reads streamed completions with: the same events whatever the chunking.
import { describe, expect, it } from 'vitest';
import { parseSse, SseParser, type SseEvent } from '../../electron/inference/remote/sse';

const chunk = (content: string) => JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] });

// A realistic stream: a keep-alive comment, pieces with non-ASCII text (a multi-byte UTF-8 split is likely),
// an event field, a multi-line data event, CR LF and CR line endings, and the closing [DONE].
const STREAM =
  ': keep-alive\n\n' +
  `data: ${chunk('Thinking Process:')}\n\n` +
  `data: ${chunk(' the 5–6 o’clock capsulorhexis — µm')}\r\n\r\n` +
  `data:${chunk('\n\nFinal Answer:')}\r\r` +
  'event: note\ndata: line one\ndata: line two\n\n' +
  `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 300, completion_tokens: 3 } })}\n\n` +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message', data: chunk('Thinking Process:') },
  { event: 'message', data: chunk(' the 5–6 o’clock capsulorhexis — µm') },
  { event: 'message', data: chunk('\n\nFinal Answer:') },
  { event: 'note', data: 'line one\nline two' },
  { event: 'message', data: JSON.stringify({ choices: [], usage: { prompt_tokens: 300, completion_tokens: 3 } }) },
  { event: 'message', data: '[DONE]' },
];

function feed(parts: Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e));
  for (const part of parts) p.push(part);
  p.end();
  return events;
}

describe('SSE parser', () => {
  const bytes = new TextEncoder().encode(STREAM);

  it('reads a whole stream', () => {
    expect(parseSse(STREAM)).toEqual(EXPECTED);
  });

  it('gives the same events for a split at every byte (inside UTF-8 characters, CR LF pairs, "data:", [DONE])', () => {
    for (let i = 1; i < bytes.length; i++) {
      expect(feed([bytes.subarray(0, i), bytes.subarray(i)]), `split at byte ${i}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events one byte at a time, and in random chunk sizes', () => {
    expect(feed([...bytes].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const parts: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; ) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const n = 1 + (seed % 40);
        parts.push(bytes.subarray(at, at + n));
        at += n;
      }
      expect(feed(parts)).toEqual(EXPECTED);
    }
  });

  it('delivers several events that arrive in one chunk, in order', () => {
    const events: string[] = [];
    const p = new SseParser((e) => events.push(e.data));
    p.push('data: a\n\ndata: b\n\ndata: c\n\ndata: d');
    expect(events).toEqual(['a', 'b', 'c']);
    p.push('\n\n');
    expect(events).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops an event cut off before its blank line, ignores comments, ids and empty events', () => {
    expect(parseSse(': ping\n\nid: 4\nretry: 100\n\nevent: x\n\ndata: kept\n\ndata: cut off')).toEqual([{ event: 'message', data: 'kept' }]);
  });

  it('keeps a space that is part of the value (only one after the colon is dropped)', () => {
    expect(parseSse('data:  two spaces\n\ndata\n\n')).toEqual([
      { event: 'message', data: ' two spaces' },
      { event: 'message', data: '' },
    ]);
  });

  it('strips a byte-order mark at the start of the stream', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('data: x\n\n')]);
    expect(feed([withBom.subarray(0, 2), withBom.subarray(2)])).toEqual([{ event: 'message', data: 'x' }]);
  });
});
