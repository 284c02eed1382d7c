// What a file is, from its first bytes (magic numbers), and whether an MP4/MOV or WebM/MKV file is whole: the
// top-level structure declares its own sizes, so a cut-off file shows as a part that runs past the end.
import fs from 'node:fs';

export type Family = 'isobmff' | 'ebml' | 'other';

export interface Sniffed {
  family: Family;
  /** For a file that is not a video container we can read: what it looks like, in words ("a PNG image"). */
  looksLike: string;
  /** True when the bytes look like some video container (even one we cannot read, e.g. AVI or MPEG). */
  videoLike: boolean;
}

const BOX_TYPES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'moof', 'mfra', 'meta', 'styp', 'sidx', 'pdin', 'junk']);

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let bad = 0;
  const sample = head.subarray(0, 8192);
  for (const c of sample) {
    if (c === 0) return false;
    if (c < 9 || (c > 13 && c < 32 && c !== 27)) bad++;
  }
  if (bad > sample.length * 0.01) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, Math.max(0, sample.length - 4)));
    return true;
  } catch {
    return false;
  }
}

export function sniff(head: Uint8Array): Sniffed {
  const at = (i: number) => head[i] ?? -1;
  const box = ascii(head, 4, 8);
  if (head.length >= 8 && BOX_TYPES.has(box)) return { family: 'isobmff', looksLike: 'an MP4/MOV file', videoLike: true };
  if (at(0) === 0x1a && at(1) === 0x45 && at(2) === 0xdf && at(3) === 0xa3) return { family: 'ebml', looksLike: 'a WebM/Matroska file', videoLike: true };
  const other = (looksLike: string, videoLike = false): Sniffed => ({ family: 'other', looksLike, videoLike });
  if (ascii(head, 0, 4) === 'RIFF') {
    const kind = ascii(head, 8, 12);
    if (kind === 'AVI ') return other('an AVI video', true);
    if (kind === 'WAVE') return other('a WAV audio file');
    if (kind === 'WEBP') return other('a WebP image');
    return other('a RIFF file');
  }
  if (at(0) === 0x47 && at(188) === 0x47 && (head.length < 377 || at(376) === 0x47)) return other('an MPEG transport stream', true);
  if (at(0) === 0 && at(1) === 0 && at(2) === 1 && at(3) === 0xba) return other('an MPEG program stream (MPG/VOB)', true);
  if (ascii(head, 0, 3) === 'FLV') return other('an FLV video', true);
  if (at(0) === 0x30 && at(1) === 0x26 && at(2) === 0xb2 && at(3) === 0x75) return other('a Windows Media (ASF/WMV) file', true);
  if (at(0) === 0x06 && at(1) === 0x0e && at(2) === 0x2b && at(3) === 0x34) return other('an MXF file', true);
  if (at(0) === 0x89 && ascii(head, 1, 4) === 'PNG') return other('a PNG image');
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return other('a JPEG image');
  if (ascii(head, 0, 4) === 'GIF8') return other('a GIF image');
  if (ascii(head, 0, 2) === 'BM') return other('a BMP image');
  if (ascii(head, 0, 4) === 'II*\0' || ascii(head, 0, 4) === 'MM\0*') return other('a TIFF image');
  if (ascii(head, 0, 4) === 'DICM' || ascii(head, 128, 132) === 'DICM') return other('a DICOM file');
  if (ascii(head, 0, 5) === '%PDF-') return other('a PDF document');
  if (ascii(head, 0, 4) === 'PK\x03\x04') return other('a ZIP archive (or an Office document)');
  if (ascii(head, 0, 16) === 'SQLite format 3\0') return other('an SQLite database');
  if (ascii(head, 0, 4) === 'GGUF') return other('a GGUF model file');
  if (ascii(head, 0, 4) === 'OggS') return other('an Ogg file');
  if (ascii(head, 0, 4) === 'fLaC') return other('a FLAC audio file');
  if (ascii(head, 0, 3) === 'ID3' || (at(0) === 0xff && (at(1) & 0xe0) === 0xe0)) return other('an MP3 audio file');
  if (at(0) === 0x1f && at(1) === 0x8b) return other('a gzip archive');
  if (ascii(head, 0, 4) === '\x7fELF' || ascii(head, 0, 2) === 'MZ') return other('a program');
  if (looksLikeText(head)) return other('text');
  return other('unknown binary data');
}

export interface Integrity {
  /** The file ends before a part of it that its own header announces: it was cut short. */
  truncated: { fileBytes: number; declaredBytes: number } | null;
  /** MP4/MOV without its index ('moov'): nothing in it can be located. */
  missingIndex: boolean;
}

const OK: Integrity = { truncated: null, missingIndex: false };

function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  const n = fs.readSync(fd, b, 0, len, pos);
  return b.subarray(0, n);
}

/** Walks the top-level boxes of an MP4/MOV file. */
function isobmffIntegrity(fd: number, size: number): Integrity {
  let pos = 0;
  let hasMoov = false;
  for (let count = 0; pos < size && count < 100_000; count++) {
    const h = readAt(fd, pos, 16);
    if (h.length < 8) return { truncated: { fileBytes: size, declaredBytes: pos + 8 }, missingIndex: !hasMoov };
    let boxSize = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    if (boxSize === 1) {
      if (h.length < 16) return { truncated: { fileBytes: size, declaredBytes: pos + 16 }, missingIndex: !hasMoov };
      boxSize = Number(h.readBigUInt64BE(8));
    } else if (boxSize === 0) {
      boxSize = size - pos; // "to the end of the file"
    }
    if (type === 'moov') hasMoov = true;
    if (boxSize < 8) break; // not a box any more: leave the rest to the demuxer
    if (pos + boxSize > size) return { truncated: { fileBytes: size, declaredBytes: pos + boxSize }, missingIndex: !hasMoov && type !== 'moov' };
    pos += boxSize;
  }
  return { truncated: null, missingIndex: !hasMoov };
}

/** EBML variable-length integer at `b[i]`: its length and value (marker bit removed); null if malformed. */
function vint(b: Buffer, i: number, keepMarker: boolean): { len: number; value: number; unknown: boolean } | null {
  const first = b[i];
  if (first === undefined || first === 0) return null;
  let len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++;
  if (len > 8 || i + len > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> len);
  let allOnes = (first & (0xff >> len)) === 0xff >> len;
  for (let k = 1; k < len; k++) {
    value = value * 256 + b[i + k]!;
    if (b[i + k] !== 0xff) allOnes = false;
  }
  return { len, value, unknown: !keepMarker && allOnes };
}

/** Walks the top-level EBML elements (the EBML header, then the Segment, whose declared size must fit). */
function ebmlIntegrity(fd: number, size: number): Integrity {
  let pos = 0;
  for (let count = 0; pos < size && count < 16; count++) {
    const h = readAt(fd, pos, 16);
    const id = vint(h, 0, true);
    const len = id && vint(h, id.len, false);
    if (!id || !len) return OK;
    if (len.unknown) return OK; // a live recording with an open-ended size: nothing to compare
    const end = pos + id.len + len.len + len.value;
    if (end > size) return { truncated: { fileBytes: size, declaredBytes: end }, missingIndex: false };
    pos = end;
  }
  return OK;
}

export function checkIntegrity(file: string, family: Family, size: number): Integrity {
  if (family === 'other') return OK;
  const fd = fs.openSync(file, 'r');
  try {
    return family === 'isobmff' ? isobmffIntegrity(fd, size) : ebmlIntegrity(fd, size);
  } finally {
    fs.closeSync(fd);
  }
}
