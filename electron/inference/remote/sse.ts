// An incremental Server-Sent Events parser (the WHATWG "event stream" format that OpenAI-compatible servers use
// for `stream: true`). Bytes may arrive split anywhere: inside a UTF-8 character, a line, a CR LF pair, or with
// several events in one chunk. Lines end with LF, CR LF or CR; `data:` lines of one event are joined with LF; a
// blank line dispatches the event; lines starting with `:` are comments (keep-alives).

export interface SseEvent {
  /** The `event:` field, or 'message' when the server gave none. */
  event: string;
  data: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private line = '';
  private afterCR = false;
  private data: string[] = [];
  private eventType = '';

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Feeds raw bytes (UTF-8) or already-decoded text. */
  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let i = 0;
    // A CR at the end of the previous chunk and an LF at the start of this one are one line break.
    if (this.afterCR && text.charCodeAt(0) === 10) start = i = 1;
    this.afterCR = false;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.line + text.slice(start, i);
      this.line = '';
      if (c === 13) {
        if (i + 1 === text.length) this.afterCR = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      this.processLine(line);
    }
    this.line += text.slice(start);
  }

  /** The stream ended. An event without its closing blank line is dropped, as the format requires. */
  end(): void {
    const rest = this.decoder.decode();
    if (rest) this.push(rest);
    this.line = '';
    this.data = [];
    this.eventType = '';
  }

  private processLine(line: string): void {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    // `id` and `retry` only matter to reconnecting EventSource clients; a completion is never resumed.
  }

  private dispatch(): void {
    const event = this.eventType || 'message';
    this.eventType = '';
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    this.onEvent({ event, data });
  }
}

/** Parses a whole stream at once (tests, small bodies). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e));
  p.push(text);
  p.end();
  return events;
}
