// Importing a model through the real services: the right pair (copied, hard-linked or referenced) that then
// analyses a frame and the bundled sample image; every wrong file refused with a clear message and nothing
// changed; a folder of converted outputs; removing a model never deletes the user's own files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { FILE_TYPE, withFileType } from '../fixtures/gguf-file-type';
import { makePng } from '../fixtures/images';
import { sha256 } from '../fixtures/model-server';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel, ensureTinyVariant } from '../fixtures/test-model';


const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'workstation-import-'));
const staging = (s: TestServices) => (fs.existsSync(path.join(s.dataDir, 'models')) ? fs.readdirSync(path.join(s.dataDir, 'models')).filter((n) => n.startsWith('.')) : []);

describe('model import', () => {
  let s: TestServices;
  let model: { modelPath: string; mmprojPath: string };

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = startTestServices();
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['a GGUF of another architecture', async () => ({ modelPath: await ensureTinyVariant('llama-arch'), mmprojPath: model.mmprojPath }), /"llama" model; this workstation needs a Gemma 3/],
    ['the text model given as the mmproj', async () => ({ modelPath: model.modelPath, mmprojPath: model.modelPath }), /not a vision projector \(mmproj\)/],
    ['the mmproj given as the text model', async () => ({ modelPath: model.mmprojPath, mmprojPath: model.mmprojPath }), /is a vision projector \(mmproj\), not the text model/],
    ['an mmproj with the wrong projection size', async () => ({ modelPath: model.modelPath, mmprojPath: await ensureTinyVariant('mmproj-wrong-projection') }), /do not belong together.*48.*64/],
    ['an mmproj with another projector', async () => ({ modelPath: model.modelPath, mmprojPath: await ensureTinyVariant('mmproj-wrong-projector') }), /"mlp" projector/],
    ['a truncated text model', async () => ({ modelPath: await ensureTinyVariant('truncated-text'), mmprojPath: model.mmprojPath }), /is incomplete: it has .* bytes but its tensors need/],
    ['a file that is not GGUF', async () => {
      const f = path.join(tmp(), 'notes.gguf');
      fs.writeFileSync(f, 'this is not a model');
      return { modelPath: f, mmprojPath: model.mmprojPath };
    }, /is not a GGUF model file/],
    ['a missing file', async () => ({ modelPath: '/nonexistent/model.gguf', mmprojPath: model.mmprojPath }), /was not found/],
  ])('refuses %s with a clear message and installs nothing', async (_name, files, message) => {
    for (const mode of ['copy', 'reference'] as const) {
      await expect(s.call('models.import', { ...(await files()), mode })).rejects.toThrow(message);
    }
    expect(await s.call('models.list', {})).toEqual([]);
    expect(staging(s)).toEqual([]);
  });

  it('copies the right pair into the data folder, verified, and lists it with its metadata', async () => {
    const { model: m, notes } = await s.call('models.import', { ...model, mode: 'copy' });
    expect(notes).toEqual([]);
    expect(m).toMatchObject({ source: 'imported', storage: 'copy', quantization: 'F16', imageSize: 224, embeddingLength: 64, active: false, loaded: false, device: null, fineTuned: null });
    expect(m.id).toMatch(/^tiny-gemma3-random-weights-tests-only-f16-[0-9a-f]{8}$/);
    expect(m.text.path).toBe(path.join(s.dataDir, 'models', m.id, 'tiny-gemma3-text.gguf'));
    expect(m.text.sha256).toBe(sha256(fs.readFileSync(model.modelPath)));
    expect(fs.readFileSync(m.mmproj.path).equals(fs.readFileSync(model.mmprojPath))).toBe(true);
    expect(m.parameterCount).toBeGreaterThan(100_000);
    expect(staging(s)).toEqual([]);
    await expect(s.call('models.import', { ...model, mode: 'reference' })).rejects.toThrow(/already installed as/);
  });

  it('activates the model through the inference path, reports its device, and it analyses a frame', async () => {
    const [m] = await s.call('models.list', {});
    const { model: active, status } = await s.call('models.activate', { id: m!.id, device: 'cpu', contextSize: 2048 });
    expect(status.state).toBe('ready');
    expect(active).toMatchObject({ active: true, loaded: true });
    expect(active.device).toMatch(/^cpu/);
    expect((await s.call('settings.get', {})).modelPath).toBe(m!.text.path);

    const caseId = (await s.call('cases.create', { code: 'IMP-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' })).id;
    const frameId = (await s.call('frames.addImage', { caseId, fileName: 'f.png', data: makePng(160, 90, 5) })).id;
    const { jobId } = await s.call('analysis.start', { frameId, maxTokens: 8 });
    const end = await s.waitFor('analysis.status', (p) => p.jobId === jobId && ['completed', 'failed', 'cancelled'].includes(p.status));
    expect(end.status, end.message ?? '').toBe('completed');
    expect(end.analysis!.provenance.modelSha256).toBe(m!.text.sha256);
  });

  it('tests the active model on the bundled sample image with a streamed answer', async () => {
    const { jobId } = await s.call('models.test', { maxTokens: 12 });
    const end = await s.waitFor('models.testStatus', (p) => p.jobId === jobId && ['completed', 'failed', 'cancelled'].includes(p.status));
    expect(end.status, end.message ?? '').toBe('completed');
    const tokens = s.events.filter((e) => e.name === 'models.testToken' && (e.payload as EventPayload<'models.testToken'>).jobId === jobId);
    expect(tokens.length).toBeGreaterThan(2);
    expect(tokens.map((e) => (e.payload as { text: string }).text).join('')).toBe(end.text);
    expect(end.device).toMatch(/^cpu/);
    expect(s.events.some((e) => e.name === 'models.testStatus' && (e.payload as { jobId: string; status: string }).jobId === jobId && (e.payload as { status: string }).status === 'running')).toBe(true);
  });

  it('removes the active model: unloads it and deletes only its copies', async () => {
    const [m] = await s.call('models.list', {});
    const r = await s.call('models.remove', { id: m!.id });
    expect(r.deletedFiles.sort()).toEqual([m!.mmproj.path, m!.text.path].sort());
    expect(r.keptFiles).toEqual([]);
    expect(fs.existsSync(path.dirname(m!.text.path))).toBe(false);
    expect(fs.existsSync(model.modelPath)).toBe(true); // the source is untouched
    expect((await s.call('inference.status', {})).state).toBe('no-model');
    expect((await s.call('settings.get', {})).modelPath).toBeNull();
    expect(await s.call('models.list', {})).toEqual([]);
    await expect(s.call('models.test', {})).rejects.toThrow(/No model is active/);
  });

  it('references files in place; removing the model keeps them', async () => {
    const dir = tmp();
    const t = path.join(dir, 'text.gguf');
    const p = path.join(dir, 'proj.gguf');
    fs.copyFileSync(model.modelPath, t);
    fs.copyFileSync(model.mmprojPath, p);
    const { model: m, notes } = await s.call('models.import', { modelPath: t, mmprojPath: p, mode: 'reference', title: 'My tiny model' });
    expect(m).toMatchObject({ storage: 'reference', title: 'My tiny model', text: { path: t }, mmproj: { path: p } });
    expect(notes.join(' ')).toMatch(/used where they are/);
    fs.renameSync(p, `${p}.moved`);
    expect((await s.call('models.list', {}))[0]!.missingFiles).toEqual([p]);
    await expect(s.call('models.activate', { id: m.id, device: 'cpu', contextSize: 2048 })).rejects.toThrow(/no longer exists/);
    fs.renameSync(`${p}.moved`, p);
    const r = await s.call('models.remove', { id: m.id });
    expect(r.deletedFiles).toEqual([]);
    expect(r.keptFiles).toEqual([t, p]);
    expect(fs.existsSync(t) && fs.existsSync(p)).toBe(true);
  });

  it('hard-links files into the data folder; removing the model removes only the links', async () => {
    const dir = path.join(s.dataDir, 'user-files'); // same disk as the data folder
    fs.mkdirSync(dir);
    const t = path.join(dir, 'text.gguf');
    const p = path.join(dir, 'proj.gguf');
    fs.copyFileSync(model.modelPath, t);
    fs.copyFileSync(model.mmprojPath, p);
    const { model: m } = await s.call('models.import', { modelPath: t, mmprojPath: p, mode: 'hardlink' });
    expect(m.storage).toBe('hardlink');
    expect(fs.statSync(m.text.path).ino).toBe(fs.statSync(t).ino);
    const r = await s.call('models.remove', { id: m.id });
    expect(r.deletedFiles).toHaveLength(2);
    expect(fs.readFileSync(t).equals(fs.readFileSync(model.modelPath))).toBe(true);
  });

  it('imports a folder of converted outputs: picks Q4_K_M and the f16 mmproj, and knows it was converted', async () => {
    const dir = tmp();
    withFileType(model.modelPath, path.join(dir, 'cataract-bf16.gguf'), FILE_TYPE.BF16);
    withFileType(model.modelPath, path.join(dir, 'cataract-Q8_0.gguf'), FILE_TYPE.Q8_0);
    withFileType(model.modelPath, path.join(dir, 'cataract-Q4_K_M.gguf'), FILE_TYPE.Q4_K_M);
    fs.copyFileSync(model.mmprojPath, path.join(dir, 'mmproj-cataract-f16.gguf'));
    fs.copyFileSync(await ensureTinyVariant('llama-arch'), path.join(dir, 'unrelated.gguf'));
    fs.writeFileSync(
      path.join(dir, 'cataract.convert.json'),
      JSON.stringify({ name: 'cataract', outputs: { bf16: 'cataract-bf16.gguf', Q4_K_M: 'cataract-Q4_K_M.gguf', Q8_0: 'cataract-Q8_0.gguf', mmproj: 'mmproj-cataract-f16.gguf' } }),
    );
    const { model: m, notes } = await s.call('models.import', { folder: dir, mode: 'copy' });
    expect(m).toMatchObject({ source: 'converted', quantization: 'Q4_K_M', title: 'cataract (Q4_K_M)' });
    expect(m.text.fileName).toBe('cataract-Q4_K_M.gguf');
    expect(m.mmproj.fileName).toBe('mmproj-cataract-f16.gguf');
    expect(notes.join('\n')).toMatch(/Also found cataract-Q8_0\.gguf \(Q8_0\), cataract-bf16\.gguf \(BF16\)/);
    expect(notes.join('\n')).toMatch(/unrelated\.gguf \(a "llama" model\)/);
    // It loads: the file type is only a label, the tensors are the tiny model's.
    const { status } = await s.call('models.activate', { id: m.id, device: 'cpu', contextSize: 2048 });
    expect(status.state).toBe('ready');
    await s.call('models.remove', { id: m.id });
  });

  it('explains a folder without a usable model', async () => {
    const dir = tmp();
    await expect(s.call('models.import', { folder: dir, mode: 'copy' })).rejects.toThrow(/no \.gguf files/);
    fs.copyFileSync(model.mmprojPath, path.join(dir, 'mmproj.gguf'));
    await expect(s.call('models.import', { folder: dir, mode: 'copy' })).rejects.toThrow(/No Gemma 3 text model was found/);
    fs.copyFileSync(model.modelPath, path.join(dir, 'text.gguf'));
    fs.rmSync(path.join(dir, 'mmproj.gguf'));
    await expect(s.call('models.import', { folder: dir, mode: 'copy' })).rejects.toThrow(/no gemma3 vision projector/);
    await expect(s.call('models.import', { folder: path.join(dir, 'text.gguf'), mode: 'copy' })).rejects.toThrow(/is a file, not a folder/);
  });

  it('inspects one file for the Models view', async () => {
    const info = await s.call('models.inspect', { path: model.mmprojPath });
    expect(info).toMatchObject({ role: 'mmproj', projector: 'gemma3', imageSize: 224, embeddingLength: 64 });
    await expect(s.call('models.inspect', { path: await ensureTinyVariant('truncated-text') })).rejects.toThrow(/incomplete/);
  });

  it('refuses a copy that does not fit on the disk', async () => {
    const small = startTestServices(undefined, { models: { tuning: { freeSpace: async () => 1000 } } });
    try {
      await expect(small.call('models.import', { ...model, mode: 'copy' })).rejects.toThrow(/Not enough free disk space.*reference/);
      expect(await small.call('models.list', {})).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
