// Image embeddings on disk, so the same frame is never encoded twice: the vision encoder's output for one image
// (imageTokens × embeddingLength float32: 256 × 2560 ≈ 2.6 MB for MedGemma 4B), keyed by the image bytes' sha256,
// the projector file's sha256 and whatever else changes the encoder's output (the preprocessing, the image size, the
// backend the encoder ran on). One file per image, written to a temp name, synced and renamed; the folder is kept
// under a size cap by evicting the least recently used files (a hit refreshes the file's mtime). A file that does not
// check out (short, foreign, damaged: its header carries the key and the payload's sha256) is deleted and reported as
// a miss, so the image is encoded again: the cache can lose work, never change an answer or fail an analysis.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** What the app passes to the engine (LoadRequest.embeddingCache). */
export interface EmbeddingCacheConfig {
  /** The folder the files go in (created when needed). */
  dir: string;
  /** The cap on the folder's files, in bytes; 0 turns the cache off. */
  maxBytes: number;
  /** sha256 of the projector (mmproj) file: another projector makes other embeddings. */
  projectorSha256: string;
}

/** The default cap: about 400 frames of the 4B model (2.6 MB each), a 7-minute phase timeline (85 samples) five times. */
export const DEFAULT_EMBEDDING_CACHE_BYTES = 1024 * 1024 * 1024;

/** Bump when the image preprocessing (image/gemma3-preprocess.ts) changes what reaches the encoder. */
export const EMBEDDING_PREPROCESS = 'gemma3-stretch-v1';

/** Everything that decides the encoder's output for an image. */
export interface EmbeddingKey {
  /** sha256 of the image file's bytes (a stored frame's sha256). */
  imageSha256: string;
  projectorSha256: string;
  /** The projector's input size in pixels. */
  imageSize: number;
  /** 'cpu', or the GPU backend the vision encoder runs on ('cuda', 'vulkan', 'metal'): results differ in the last bits. */
  visionBackend: string;
  /** The shape the file must have. */
  imageTokens: number;
  embeddingLength: number;
}

const MAGIC = Buffer.from('WSIMGEMB', 'latin1');
const FORMAT = 1;
/** magic(8) format(4) tokens(4) length(4) reserved(4) key digest(32) payload sha256(32). */
export const HEADER_BYTES = 88;
const STALE_TEMP_MS = 60 * 60 * 1000;

function keyDigest(k: EmbeddingKey): Buffer {
  const text = [`v${FORMAT}`, EMBEDDING_PREPROCESS, k.imageSha256, k.projectorSha256, k.imageSize, k.visionBackend, k.imageTokens, k.embeddingLength].join('|');
  return crypto.createHash('sha256').update(text).digest();
}

/** The file an embedding is kept in: <dir>/<key digest>.emb (the header holds the digest too). */
export function embeddingFileName(k: EmbeddingKey): string {
  return `${keyDigest(k).toString('hex')}.emb`;
}

/**
 * Whether the folder holds a file for `k` (not read or checked: a damaged one is found, deleted and encoded again when
 * it is used). The app asks this to choose the frames it encodes ahead.
 */
export async function isEmbeddingStored(dir: string, k: EmbeddingKey): Promise<boolean> {
  return fs.access(path.join(dir, embeddingFileName(k))).then(
    () => true,
    () => false,
  );
}

/** The bytes of one cache file. */
export function encodeEmbeddingFile(k: EmbeddingKey, embedding: Float32Array): Buffer {
  const expected = k.imageTokens * k.embeddingLength;
  if (embedding.length !== expected) {
    throw new Error(`An image embedding must hold ${k.imageTokens} × ${k.embeddingLength} = ${expected} values; got ${embedding.length}.`);
  }
  const payload = Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(FORMAT, 8);
  header.writeUInt32LE(k.imageTokens, 12);
  header.writeUInt32LE(k.embeddingLength, 16);
  keyDigest(k).copy(header, 24);
  crypto.createHash('sha256').update(payload).digest().copy(header, 56);
  return Buffer.concat([header, payload]);
}

/** The embedding in a cache file's bytes, or why they are not one for `k`. */
export function decodeEmbeddingFile(k: EmbeddingKey, bytes: Buffer): { embedding: Float32Array } | { problem: string } {
  const values = k.imageTokens * k.embeddingLength;
  const size = HEADER_BYTES + values * 4;
  if (bytes.length !== size) return { problem: `it is ${bytes.length} bytes, not ${size} (cut short or foreign)` };
  if (!bytes.subarray(0, 8).equals(MAGIC) || bytes.readUInt32LE(8) !== FORMAT) return { problem: 'its header is not an image-embedding header' };
  if (bytes.readUInt32LE(12) !== k.imageTokens || bytes.readUInt32LE(16) !== k.embeddingLength) return { problem: 'its shape differs from the model’s' };
  if (!bytes.subarray(24, 56).equals(keyDigest(k))) return { problem: 'it belongs to another image or projector' };
  const payload = bytes.subarray(HEADER_BYTES);
  if (!crypto.createHash('sha256').update(payload).digest().equals(bytes.subarray(56, 88))) return { problem: 'its values are damaged (sha256 differs)' };
  // A copy: a Float32Array needs 4-byte alignment, which a Buffer's offset does not promise.
  const embedding = new Float32Array(values);
  new Uint8Array(embedding.buffer).set(payload);
  return { embedding };
}

export interface EmbeddingCacheOptions {
  dir: string;
  maxBytes: number;
  /** Told when a file is damaged or the folder cannot be written (the worker's stderr reaches the app log). */
  warn?: (message: string) => void;
}

export interface EmbeddingCacheStats {
  files: number;
  bytes: number;
}

async function syncFolder(dir: string): Promise<void> {
  // Makes the rename durable on POSIX; Windows cannot open a folder for syncing (and does not need it).
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export function openEmbeddingCache(o: EmbeddingCacheOptions) {
  const enabled = Number.isFinite(o.maxBytes) && o.maxBytes > 0;
  const warn = o.warn ?? (() => {});
  const fileOf = (k: EmbeddingKey) => path.join(o.dir, embeddingFileName(k));

  /** The cache files (not temps) with size and last use; stale temps from a crash are removed on the way. */
  async function entries(): Promise<{ file: string; bytes: number; usedMs: number }[]> {
    let names: string[];
    try {
      names = await fs.readdir(o.dir);
    } catch {
      return [];
    }
    const out: { file: string; bytes: number; usedMs: number }[] = [];
    for (const name of names) {
      const file = path.join(o.dir, name);
      const st = await fs.stat(file).catch(() => null);
      if (!st?.isFile()) continue;
      if (name.startsWith('.tmp-')) {
        if (Date.now() - st.mtimeMs > STALE_TEMP_MS) await fs.rm(file, { force: true }).catch(() => undefined);
      } else if (name.endsWith('.emb')) {
        out.push({ file, bytes: st.size, usedMs: st.mtimeMs });
      }
    }
    return out;
  }

  /** Deletes the least recently used files until the folder is within the cap (`keep` is spared). */
  async function evict(keep: string | null): Promise<void> {
    const all = await entries();
    let total = all.reduce((sum, e) => sum + e.bytes, 0);
    for (const e of all.sort((a, b) => a.usedMs - b.usedMs)) {
      if (total <= o.maxBytes) break;
      if (e.file === keep) continue;
      await fs.rm(e.file, { force: true }).catch(() => undefined);
      total -= e.bytes;
    }
  }

  return {
    dir: o.dir,
    maxBytes: o.maxBytes,
    enabled,

    /** The stored embedding for `k`, or null (none, or a damaged file, which is deleted). A hit counts as a use. */
    async get(k: EmbeddingKey): Promise<Float32Array | null> {
      if (!enabled) return null;
      const file = fileOf(k);
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch {
        return null;
      }
      const r = decodeEmbeddingFile(k, bytes);
      if ('problem' in r) {
        warn(`The stored image embedding ${path.basename(file)} is not usable (${r.problem}); the image is encoded again.`);
        await fs.rm(file, { force: true }).catch(() => undefined);
        return null;
      }
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
      return r.embedding;
    },

    /** Keeps `embedding` for `k` (durably: temp file, sync, rename), then trims the folder to the cap. */
    async put(k: EmbeddingKey, embedding: Float32Array): Promise<void> {
      if (!enabled) return;
      const bytes = encodeEmbeddingFile(k, embedding);
      if (bytes.length > o.maxBytes) return; // one image larger than the whole cap: not kept
      await fs.mkdir(o.dir, { recursive: true });
      const file = fileOf(k);
      const temp = path.join(o.dir, `.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
      try {
        const handle = await fs.open(temp, 'w');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(temp, file);
      } catch (err) {
        await fs.rm(temp, { force: true }).catch(() => undefined);
        throw err;
      }
      await syncFolder(o.dir);
      await evict(file);
    },

    /** The files kept and their total size. */
    async stats(): Promise<EmbeddingCacheStats> {
      const all = await entries();
      return { files: all.length, bytes: all.reduce((sum, e) => sum + e.bytes, 0) };
    },
  };
}
export type EmbeddingCache = ReturnType<typeof openEmbeddingCache>;
