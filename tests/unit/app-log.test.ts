// The log file never holds a token, a key, the path of a user's file or image bytes, and stays valid JSON lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppLog } from '../../electron/core/logging/app-log';
import { scrubLine, scrubValue } from '../../electron/core/logging/scrub';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const repo = path.resolve(__dirname, '../..');

describe('app log', () => {
  it('writes the error with its stack, and none of the secrets, user paths or bytes it was handed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-log-'));
    dirs.push(dir);
    const log = openAppLog({ dir, roots: [{ dir: repo, label: '<app>' }] });
    log.addSecret('hf_SuperSecretToken123');
    const err = new Error(
      'Could not read /home/dr/Patients/John Smith/case 12.mp4 or C:\\Users\\dr\\Patients\\Jane Doe\\op.mov (token hf_SuperSecretToken123, Authorization: Bearer abc.def.ghi, http://127.0.0.1:5/?token=XYZ123)',
    );
    log.error('Unexpected error in videos.import', err, { apiKey: 'sk-1234567890', frame: new Uint8Array(5000), nested: { password: 'pw-123456' }, note: 'x'.repeat(10_000) });
    log.info('Starting', { dataFolder: '/srv/data', quote: 'a "quoted" /abs/path/file.png here' });
    await log.close();
    const text = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>); // still valid JSON
    expect(lines).toHaveLength(2);
    const e = lines[0] as { msg: string; err: { stack: string; message: string }; frame: string; apiKey: string; nested: { password: string }; note: string };
    expect(e.msg).toBe('Unexpected error in videos.import');
    expect(e.err.stack).toContain('<app>/tests/unit/app-log.test.ts');
    expect(e.frame).toBe('[5000 bytes]');
    expect(e.apiKey).toBe('[redacted]');
    expect(e.nested.password).toBe('[redacted]');
    expect(e.note.length).toBeLessThan(300);
    for (const leak of ['John', 'Smith', 'Jane', 'Doe', 'Patients', 'hf_SuperSecretToken123', 'abc.def.ghi', 'XYZ123', 'sk-1234567890', 'pw-123456', '/srv/data', '/abs/path']) {
      expect(text, leak).not.toContain(leak);
    }
    expect(text).toContain('[path]');
  });

  it('scrubs paths inside JSON strings without breaking the JSON', () => {
    const samples = ['/a/b.mp4', 'x "/a/b c/d.mov" y', 'C:\\a\\b\\c.avi', 'at f (/opt/other/x.js:1:2)\n    at g (node:internal/x:3:4)', 'end /a/b\\'];
    for (const s of samples) {
      const line = JSON.stringify({ msg: s });
      const out = scrubLine(line, { secrets: [], roots: [] });
      expect(() => JSON.parse(out), out).not.toThrow();
      expect(out).not.toMatch(/\/a\/b|\\\\a\\\\b|\/opt\/other/);
    }
    expect(scrubLine(JSON.stringify({ msg: 'at f (/repo/x/y.ts:1:2)' }), { secrets: [], roots: [{ dir: '/repo', label: '<app>' }] })).toContain('<app>/x/y.ts:1:2');
    expect(scrubValue({ data: Buffer.from('abc'), list: [new Uint8Array(3)] })).toEqual({ data: '[3 bytes]', list: ['[3 bytes]'] });
  });
});
