// What must never reach the log file: secrets (the host token, API keys, the Hugging Face token), paths of the
// user's files (a video's path can name a patient), and image bytes. Two passes: `scrubValue` shapes the object
// pino is about to write (binary → its size, secret-named fields → [redacted], very long strings cut), and
// `scrubLine` cleans the finished JSON line (known secret values, bearer tokens, ?token=, absolute paths outside
// the app's own folders). Pure functions, tested on their own.

export interface ScrubOptions {
  /** Secret values seen at run time (replaced wherever they appear). */
  secrets: Iterable<string>;
  /** Folders whose paths may appear (the app's install folder, the data folder), with the label that replaces them. */
  roots: ReadonlyArray<{ dir: string; label: string }>;
}

const SECRET_KEY = /^(api[-_]?key|apikey|token|access[-_]?token|secret|password|authorization|cookie|hf[-_]?token|remote-api-key)$/i;
const LONG_STRING = 4_000;

/** A copy of `value` fit for the log: binary data becomes its size, secret-named fields are redacted. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && value.length > LONG_STRING) return `${value.slice(0, 200)}… [${value.length} characters]`;
    return value;
  }
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) return value; // pino's error serializer takes it (its message and stack are line-scrubbed)
  if (depth > 6) return '[nested]';
  if (Array.isArray(value)) return value.length > 50 ? `[${value.length} items]` : value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined ? '[redacted]' : scrubValue(v, depth + 1);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The way a string appears inside a JSON line (backslashes and quotes escaped). */
function asJson(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

// Path characters as they appear inside a JSON string: never a quote or whitespace, and never a lone backslash (that
// would be the escape of the next character); a Windows separator is an escaped backslash (two characters).
const SEG = String.raw`[^/\\\s"'()<>,;]`;
const SEP = String.raw`(?:/|\\\\)`;
// A file path that may hold spaces ("/home/dr/Patients/John Smith/case 12.mp4"): from a root to the first file
// extension, never past a quote, bracket or line end (escaped backslashes are Windows separators).
const TEXT = String.raw`(?:[^"'()<>\\\n]|\\\\)`;
const POSIX_FILE = new RegExp(String.raw`(?<![\w.:/<>-])/${TEXT}{0,250}?\.[A-Za-z0-9]{2,5}\b`, 'g');
const WINDOWS_FILE = new RegExp(String.raw`(?<![\w])[A-Za-z]:${SEP}${TEXT}{0,250}?\.[A-Za-z0-9]{2,5}\b`, 'g');
// Folder paths: two or more segments.
const POSIX_PATH = new RegExp(String.raw`(?<![\w.:/<>-])/(?:${SEG}+/)+${SEG}*`, 'g');
const WINDOWS_PATH = new RegExp(String.raw`(?<![\w])[A-Za-z]:${SEP}(?:${SEG}+${SEP})*${SEG}*`, 'g');
// What is left of a folder path with spaces after those: "Smith/" (a word and a separator at the end).
const PATH_TAIL = new RegExp(String.raw`${SEG}+${SEP}(?:${SEG}+${SEP})*(?=[\s"'()<>,;]|$)`, 'g');
// The rest of a path below one of the app's folders.
const BELOW = String.raw`((?:${SEP}${SEG}*)*)`;

/** Cleans one finished log line (JSON text). */
export function scrubLine(line: string, o: ScrubOptions): string {
  let s = line;
  for (const secret of o.secrets) {
    if (secret.length < 6) continue; // too short to be a real secret; replacing it would mangle ordinary words
    s = s.split(asJson(secret)).join('[redacted]');
  }
  s = s.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
  s = s.replace(/([?&]token=)[^&\s"]+/gi, '$1[redacted]');
  // Paths inside the app's own folders keep their shape (stack traces stay readable), under a label; they are set
  // aside first so the passes below do not touch them.
  const roots = [...o.roots].filter((r) => r.dir.length > 1).sort((a, b) => b.dir.length - a.dir.length);
  const kept: string[] = [];
  for (const r of roots) {
    s = s.replace(new RegExp(escapeRegExp(asJson(r.dir)) + BELOW, 'g'), (_m, rest: string | undefined) => {
      kept.push(`${r.label}${rest ?? ''}`);
      return `\u0000${kept.length - 1}\u0000`;
    });
  }
  for (const re of [POSIX_FILE, WINDOWS_FILE, POSIX_PATH, WINDOWS_PATH, PATH_TAIL]) s = s.replace(re, '[path]');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => kept[Number(i)]!);
}
