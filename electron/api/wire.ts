// JSON on the wire for transports that are not structured-clone (the browser host's HTTP/SSE).
// Uint8Array values travel as { "$bytes": "<base64>" }; everything else is plain JSON.

const BYTES_KEY = '$bytes';

function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (v instanceof Uint8Array) return { [BYTES_KEY]: toBase64(v) };
    // Buffer has toJSON, which runs before the replacer sees it as a Uint8Array.
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { [BYTES_KEY]: toBase64(Uint8Array.from((v as { data: number[] }).data)) };
    }
    return v;
  });
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === BYTES_KEY && typeof (v as Record<string, unknown>)[BYTES_KEY] === 'string') {
        return fromBase64((v as Record<string, string>)[BYTES_KEY]!);
      }
    }
    return v;
  });
}
