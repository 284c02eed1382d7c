import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathRefusedError, resolveInside } from '../../electron/core/media/safe-path';

describe('resolveInside', () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'safe-path-'));
    root = path.join(base, 'library');
    fs.mkdirSync(path.join(root, 'frames'), { recursive: true });
    fs.writeFileSync(path.join(root, 'frames', 'a.png'), 'ok');
    fs.writeFileSync(path.join(base, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'frames', 'link-out.png'));
    fs.symlinkSync(path.join(root, 'frames', 'a.png'), path.join(root, 'frames', 'link-in.png'));
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('serves a file inside the root', () => {
    expect(resolveInside(root, 'frames/a.png')).toBe(fs.realpathSync(path.join(root, 'frames', 'a.png')));
  });
  it('follows a symlink that stays inside', () => {
    expect(resolveInside(root, 'frames/link-in.png')).toBe(fs.realpathSync(path.join(root, 'frames', 'a.png')));
  });
  it('returns null for a missing file', () => {
    expect(resolveInside(root, 'frames/missing.png')).toBeNull();
  });
  it.each(['../secret.txt', 'frames/../../secret.txt', '..\\secret.txt', 'frames/..'])('refuses %s', (p) => {
    expect(() => resolveInside(root, p)).toThrow(PathRefusedError);
  });
  it('refuses absolute paths', () => {
    expect(() => resolveInside(root, path.join(base, 'secret.txt'))).toThrow(/absolute/);
    expect(() => resolveInside(root, 'C:\\Windows\\win.ini')).toThrow(/absolute/);
  });
  it('refuses a symlink that leads outside', () => {
    expect(() => resolveInside(root, 'frames/link-out.png')).toThrow(/outside/);
  });
  it('refuses NUL bytes', () => {
    expect(() => resolveInside(root, 'frames/a.png\0.jpg')).toThrow(PathRefusedError);
  });
});
