// The image-embedding files on their own (no model): what a file must be to be used, and the folder's cap.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeEmbeddingFile,
  embeddingFileName,
  encodeEmbeddingFile,
  HEADER_BYTES,
  openEmbeddingCache,
  type EmbeddingKey,
} from '../../electron/inference/embedding-cache';

const key = (image: string, extra: Partial<EmbeddingKey> = {}): EmbeddingKey => ({
  imageSha256: Buffer.from(image).toString('hex').repeat(64).slice(0, 64),
  projectorSha256: 'p'.repeat(64),
  imageSize: 224,
  visionBackend: 'cpu',
  imageTokens: 4,
  embeddingLength: 8,
  ...extra,
});
const values = (seed: number) => Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.37 + seed));
const ENTRY = HEADER_BYTES + 32 * 4;

describe('image embedding files', () => {
  let dir: string;
  const warnings: string[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emb-cache-'));
    warnings.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const open = (maxBytes: number) => openEmbeddingCache({ dir, maxBytes, warn: (m) => warnings.push(m) });

  it('round-trips the values exactly, and names the file by everything that changes them', () => {
    const bytes = encodeEmbeddingFile(key('a'), values(1));
    expect(bytes.length).toBe(ENTRY);
    const r = decodeEmbeddingFile(key('a'), bytes);
    expect('embedding' in r && Array.from(r.embedding)).toEqual(Array.from(values(1)));
    const names = new Set(
      [key('a'), key('b'), key('a', { projectorSha256: 'q'.repeat(64) }), key('a', { visionBackend: 'cuda' }), key('a', { imageSize: 896 })].map(embeddingFileName),
    );
    expect(names.size).toBe(5);
    expect(embeddingFileName(key('a'))).toMatch(/^[0-9a-f]{64}\.emb$/);
  });

  it('refuses a file that is short, foreign, of another shape or damaged, saying why', () => {
    const bytes = encodeEmbeddingFile(key('a'), values(1));
    expect(decodeEmbeddingFile(key('a'), bytes.subarray(0, 100))).toEqual({ problem: expect.stringMatching(/100 bytes, not 216/) });
    expect(decodeEmbeddingFile(key('b'), bytes)).toEqual({ problem: expect.stringMatching(/another image or projector/) });
    expect(decodeEmbeddingFile(key('a', { imageTokens: 8, embeddingLength: 4 }), bytes)).toEqual({ problem: expect.stringMatching(/shape/) });
    const damaged = Buffer.from(bytes);
    damaged[ENTRY - 1] = damaged[ENTRY - 1]! ^ 1;
    expect(decodeEmbeddingFile(key('a'), damaged)).toEqual({ problem: expect.stringMatching(/damaged/) });
    const foreign = Buffer.from(bytes);
    foreign.write('NOTMAGIC', 0, 'latin1');
    expect(decodeEmbeddingFile(key('a'), foreign)).toEqual({ problem: expect.stringMatching(/header/) });
    expect(() => encodeEmbeddingFile(key('a'), new Float32Array(31))).toThrow(/4 × 8 = 32 values; got 31/);
  });

  it('a damaged file is a miss: it is deleted and reported, never thrown', async () => {
    const cache = open(10 * ENTRY);
    await cache.put(key('a'), values(1));
    const file = path.join(dir, embeddingFileName(key('a')));
    fs.truncateSync(file, 50);
    expect(await cache.get(key('a'))).toBeNull();
    expect(fs.existsSync(file)).toBe(false);
    expect(warnings[0]).toMatch(/not usable \(it is 50 bytes.*encoded again/);
    expect(await cache.get(key('zz'))).toBeNull(); // absent: a quiet miss
    expect(warnings).toHaveLength(1);
  });

  it('keeps the folder within the cap, evicting the least recently used; a hit counts as a use', async () => {
    const cache = open(3 * ENTRY);
    const past = (file: string, secondsAgo: number) => {
      const t = new Date(Date.now() - secondsAgo * 1000);
      fs.utimesSync(path.join(dir, embeddingFileName(key(file))), t, t);
    };
    await cache.put(key('a'), values(1));
    past('a', 30);
    await cache.put(key('b'), values(2));
    past('b', 20);
    await cache.put(key('c'), values(3));
    past('c', 10);
    expect(await cache.get(key('a'))).not.toBeNull(); // a is now the most recent
    await cache.put(key('d'), values(4));
    expect(await cache.get(key('b'))).toBeNull(); // the least recently used went
    for (const k of ['a', 'c', 'd']) expect(await cache.get(key(k))).not.toBeNull();
    expect(await cache.stats()).toEqual({ files: 3, bytes: 3 * ENTRY });
  });

  it('stores nothing with a cap of 0 or smaller than one embedding; cleans up stale temp files', async () => {
    await open(0).put(key('a'), values(1));
    await open(ENTRY - 1).put(key('a'), values(1));
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
    const stale = path.join(dir, '.tmp-1-abc');
    const fresh = path.join(dir, '.tmp-2-def');
    fs.writeFileSync(stale, 'x');
    fs.writeFileSync(fresh, 'x');
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    fs.utimesSync(stale, old, old);
    const cache = open(10 * ENTRY);
    await cache.put(key('a'), values(1));
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true); // may be another process's write in progress
    expect(await cache.stats()).toEqual({ files: 1, bytes: ENTRY });
  });
});
