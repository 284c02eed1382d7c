// HTTP Range (RFC 9110 §14) for a single byte range: what a <video> element asks for while it seeks.

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number } // inclusive
  | { kind: 'unsatisfiable' };

export function parseRange(header: string | null | undefined, size: number): RangeResult {
  if (header == null || header.trim() === '') return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) {
    // Several ranges, or another unit: ignoring Range and sending the whole body is what the RFC allows,
    // but a malformed bytes range is an error the client should hear about.
    return /^\s*bytes\s*=/i.test(header) && !header.includes(',') ? { kind: 'unsatisfiable' } : { kind: 'full' };
  }
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return { kind: 'unsatisfiable' };
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  let end = b === '' ? size - 1 : Number(b);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= size || end < start) return { kind: 'unsatisfiable' };
  end = Math.min(end, size - 1);
  return { kind: 'partial', start, end };
}

/** Response headers shared by media:// and the browser host. */
export function rangeHeaders(result: RangeResult, size: number, mime: string): { status: number; headers: Record<string, string> } {
  const base: Record<string, string> = { 'Accept-Ranges': 'bytes', 'Content-Type': mime, 'Cache-Control': 'no-store' };
  if (result.kind === 'unsatisfiable') return { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' } };
  if (result.kind === 'full') return { status: 200, headers: { ...base, 'Content-Length': String(size) } };
  return {
    status: 206,
    headers: { ...base, 'Content-Range': `bytes ${result.start}-${result.end}/${size}`, 'Content-Length': String(result.end - result.start + 1) },
  };
}
