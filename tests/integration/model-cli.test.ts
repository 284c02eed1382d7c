// `npm run model -- inspect | list | import`: what a user sees in a terminal, and the exit codes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServices } from '../fixtures/services';
import { ensureTestModel, ensureTinyVariant, REPO_ROOT } from '../fixtures/test-model';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

function model(...args: string[]) {
  const r = spawnSync(TSX, [path.join(REPO_ROOT, 'scripts', 'model.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('model CLI', () => {
  let tiny: { modelPath: string; mmprojPath: string };
  beforeAll(async () => {
    tiny = await ensureTestModel(224);
  });

  it('inspects a text model and an mmproj', () => {
    const t = model('inspect', tiny.modelPath);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/role: +text model/);
    expect(t.out).toMatch(/architecture: +gemma3/);
    expect(t.out).toMatch(/quantization: +F16/);
    expect(t.out).toMatch(/parameters: +103,104 in 28 tensors/);
    expect(t.out).toMatch(/embedding: +64 dims/);

    const m = model('inspect', tiny.mmprojPath, '--json');
    expect(m.code).toBe(0);
    expect(JSON.parse(m.out)).toMatchObject({ role: 'mmproj', projector: 'gemma3', imageSize: 224, usable: true });

    const pair = model('inspect', tiny.modelPath, tiny.mmprojPath);
    expect(pair.code).toBe(0);
    expect(pair.out).toMatch(/belong together/);
  });

  it.each([
    ['another architecture', () => ensureTinyVariant('llama-arch'), /"llama" model, neither a Gemma 3 \(gemma3\) text model nor a gemma3 vision projector/],
    ['another projector', () => ensureTinyVariant('mmproj-wrong-projector'), /"mlp" projector; a Gemma 3 model needs the gemma3 projector/],
    ['a truncated file', () => ensureTinyVariant('truncated-text'), /is incomplete/],
    ['a missing file', async () => '/nonexistent/x.gguf', /was not found/],
    ['a file that is not GGUF', async () => {
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'x.gguf');
      fs.writeFileSync(f, 'hello');
      return f;
    }, /is not a GGUF model file/],
  ])('exits 1 with a clear message for %s', async (_n, file, message) => {
    const r = model('inspect', await file());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });

  it('exits 1 for a pair that does not belong together, 2 for wrong arguments', async () => {
    const r = model('inspect', tiny.modelPath, await ensureTinyVariant('mmproj-wrong-projection'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/do not belong together/);
    expect(model('inspect').code).toBe(2);
    expect(model('frobnicate').err).toMatch(/Unknown command "frobnicate"/);
    expect(model('import', '--mode', 'move', '--folder', '/x').err).toMatch(/--mode must be one of copy, hardlink, reference/);
  });

  it('imports into a library and lists it', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-data-'));
    expect(model('list', '--data', data).out).toMatch(/No models installed/);
    const imp = model('import', '--model', tiny.modelPath, '--mmproj', tiny.mmprojPath, '--mode', 'reference', '--data', data);
    expect(imp.err).toBe('');
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/Installed tiny-gemma3 .*\(F16\) as tiny-gemma3-.* \(reference\)/);
    const list = model('list', '--data', data);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/tiny-gemma3-random-weights-tests-only-f16-[0-9a-f]{8} +tiny-gemma3/);
    expect(list.out).toMatch(/F16, .* imported, reference, sha256 [0-9a-f]{12}/);
    expect(list.out).toContain(tiny.modelPath);
    const json = JSON.parse(model('list', '--data', data, '--json').out);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ storage: 'reference', active: false });
    // The app sees the same library.
    const s = startTestServices(data);
    try {
      expect((await s.call('models.list', {})).map((m) => m.id)).toEqual([json[0].id]);
    } finally {
      await s.close();
    }
  });
});
