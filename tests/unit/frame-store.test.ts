// The frame store after a power cut: a committed row must never point at a cut or empty file that is then trusted.
// Files are synced (file and folder) before put returns; reads check size and sha256; a damaged file already in
// place is replaced when the same bytes are stored again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFrameStore, FrameFileError, type FrameStore } from '../../electron/core/frames/frame-store';
import { makePng } from '../fixtures/images';

let dir: string;
let store: FrameStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frame-store-'));
  store = createFrameStore(dir);
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const fileOf = (sha: string) => path.join(store.root, store.relativePath(sha, 'image/png'));

describe('frame store', () => {
  it('stores and reads back the exact bytes', () => {
    const png = makePng(32, 24, 3);
    const sha = store.put(png, 'image/png');
    expect(Buffer.compare(store.read(sha, 'image/png', png.byteLength), Buffer.from(png))).toBe(0);
    expect(store.check(sha, 'image/png', png.byteLength)).toEqual({ ok: true, problem: null, size: png.byteLength });
  });

  it('syncs the file and its folder before put returns', () => {
    const synced: number[] = [];
    const real = fs.fsyncSync;
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      synced.push(fd);
      real(fd);
    });
    const sha = store.put(makePng(16, 16, 1), 'image/png');
    expect(fs.existsSync(fileOf(sha))).toBe(true);
    expect(synced.length).toBe(process.platform === 'win32' ? 1 : 2); // the temp file, then the folder after the rename
  });

  it('reports a truncated frame file clearly on read', () => {
    const png = makePng(40, 40, 5);
    const sha = store.put(png, 'image/png');
    fs.truncateSync(fileOf(sha), 100);
    let error: unknown;
    try {
      store.read(sha, 'image/png', png.byteLength);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FrameFileError);
    expect((error as FrameFileError).problem).toBe('short');
    expect((error as Error).message).toMatch(/damaged: the file is cut short \(100 of \d+ bytes\)/);
    // Without the recorded size the hash still catches it.
    expect(() => store.read(sha, 'image/png')).toThrow(/contents no longer match/);
  });

  it('reports a file whose bytes changed (same size) and a missing file', () => {
    const png = makePng(20, 20, 9);
    const sha = store.put(png, 'image/png');
    const bytes = fs.readFileSync(fileOf(sha));
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    fs.writeFileSync(fileOf(sha), bytes);
    expect(() => store.read(sha, 'image/png', png.byteLength)).toThrow(/sha256 differs/);
    fs.rmSync(fileOf(sha));
    expect(() => store.read(sha, 'image/png', png.byteLength)).toThrow(/is missing from the data folder/);
    expect(store.check(sha, 'image/png', png.byteLength).problem).toBe('missing');
  });

  it('replaces an empty or cut file left in place when the same bytes are stored again', () => {
    const png = makePng(48, 32, 7);
    const sha = store.put(png, 'image/png');
    fs.writeFileSync(fileOf(sha), ''); // what a power cut after an unsynced rename can leave
    expect(store.put(png, 'image/png')).toBe(sha);
    expect(Buffer.compare(store.read(sha, 'image/png', png.byteLength), Buffer.from(png))).toBe(0);
    fs.truncateSync(fileOf(sha), 10);
    store.put(png, 'image/png');
    expect(store.check(sha, 'image/png', png.byteLength).ok).toBe(true);
    // No temp files are left behind.
    expect(fs.readdirSync(path.dirname(fileOf(sha))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
