// `npm run check-library`: every frame verified against its row; a cut or changed file is named with its case and
// frame, the exit code says so, and nothing is changed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../fixtures/images';
import { startTestServices } from '../fixtures/services';
import { REPO_ROOT } from '../fixtures/test-model';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const check = (dataDir: string, ...args: string[]) => {
  const r = spawnSync(TSX, [path.join(REPO_ROOT, 'scripts', 'check-library.ts'), '--data', dataDir, ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('check-library', () => {
  let dataDir: string;
  let files: string[];
  let ids: number[];
  beforeAll(async () => {
    const s = startTestServices();
    dataDir = s.dataDir;
    const kase = await s.call('cases.create', { code: 'CHECK-1', surgeryDate: null, eye: 'OD', surgeon: '', notes: '' });
    ids = [];
    files = [];
    for (let i = 0; i < 3; i++) {
      const f = await s.call('frames.addImage', { caseId: kase.id, fileName: `still-${i}.png`, data: makePng(40 + i, 30, i + 1) });
      ids.push(f.id);
      files.push(s.services.resolveFrame(f.sha256)!.file);
    }
    await s.close();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('says every frame is whole on a healthy library', () => {
    const r = check(dataDir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Checked 3 frames \(3 stored files\)/);
    expect(r.out).toMatch(/Every frame is whole/);
  });

  it('names a truncated and a changed frame file, exits 1, and changes nothing', () => {
    const before = fs.statSync(files[0]!).size;
    fs.truncateSync(files[0]!, 50);
    const bytes = fs.readFileSync(files[2]!);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x55;
    fs.writeFileSync(files[2]!, bytes);
    const r = check(dataDir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`DAMAGED frame ${ids[0]} (case `);
    expect(r.out).toMatch(new RegExp(`frame ${ids[0]} .*still image\\): file cut short \\(50 of ${before} bytes\\)`));
    expect(r.out).toMatch(new RegExp(`frame ${ids[2]} .*contents changed \\(sha256 differs\\)`));
    expect(r.out).toMatch(/2 damaged frame\(s\)/);
    expect(fs.statSync(files[0]!).size).toBe(50);
    const json = JSON.parse(check(dataDir, '--json').out) as { damaged: Array<{ frameId: number; problem: string }> };
    expect(json.damaged.map((d) => [d.frameId, d.problem])).toEqual([
      [ids[0], 'short'],
      [ids[2], 'mismatch'],
    ]);
  });
});
