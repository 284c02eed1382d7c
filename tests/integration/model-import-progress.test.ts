// A model import shows what it is doing and can be stopped: progress events while it hashes each file (to know
// it) and copies it; cancel while hashing or copying installs nothing and leaves no partial copy; one import at
// a time. Reads are 4 KiB here so the tiny generated model takes many steps.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';

type Progress = EventPayload<'models.importProgress'>;

describe('model import progress and cancel', () => {
  let s: TestServices;
  let model: { modelPath: string; mmprojPath: string };
  const progress = (from = 0) => s.events.slice(from).filter((e) => e.name === 'models.importProgress').map((e) => e.payload as Progress);
  const leftovers = () => {
    const dir = path.join(s.dataDir, 'models');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };

  beforeAll(async () => {
    model = await ensureTestModel(224);
    s = startTestServices(undefined, { models: { importChunkBytes: 4096 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('cancel while hashing: nothing installed, nothing left', async () => {
    const mark = s.events.length;
    const running = s.call('models.import', { ...model, mode: 'copy' });
    await s.waitFor('models.importProgress', (p) => p.step === 'hashing');
    expect(await s.call('models.cancelImport', {})).toEqual({ cancelled: true });
    await expect(running).rejects.toThrow('The import was cancelled. Nothing was installed.');
    expect(progress(mark).some((p) => p.step === 'copying')).toBe(false);
    expect(await s.call('models.list', {})).toEqual([]);
    expect(leftovers()).toEqual([]);
    expect(await s.call('models.cancelImport', {})).toEqual({ cancelled: false });
  });

  it('one import at a time; cancel while copying leaves no partial copy', async () => {
    const mark = s.events.length;
    const running = s.call('models.import', { ...model, mode: 'copy' });
    await expect(s.call('models.import', { ...model, mode: 'reference' })).rejects.toThrow(/Another model is being imported/);
    await s.waitFor('models.importProgress', (p) => p.step === 'copying');
    expect(await s.call('models.cancelImport', {})).toEqual({ cancelled: true });
    await expect(running).rejects.toThrow('The import was cancelled. Nothing was installed.');
    expect(progress(mark).filter((p) => p.step === 'copying').map((p) => p.fileName)).toEqual(['tiny-gemma3-text.gguf']);
    expect(await s.call('models.list', {})).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('reports hashing then copying of each file, ending at its size, and installs the model', async () => {
    // A fresh library: the files are hashed again (the services remember hashes by path, size and time).
    await s.close();
    s = startTestServices(undefined, { models: { importChunkBytes: 4096 } });
    const { model: m } = await s.call('models.import', { ...model, mode: 'copy' });
    const events = progress();
    const sizes = { 'tiny-gemma3-text.gguf': fs.statSync(model.modelPath).size, 'tiny-gemma3-mmproj-224.gguf': fs.statSync(model.mmprojPath).size };
    const steps = [...new Set(events.map((p) => `${p.step} ${p.fileName}`))];
    expect(steps).toEqual(['hashing tiny-gemma3-text.gguf', 'hashing tiny-gemma3-mmproj-224.gguf', 'copying tiny-gemma3-text.gguf', 'copying tiny-gemma3-mmproj-224.gguf']);
    for (const step of steps) {
      const [kind, name] = step.split(' ') as [string, keyof typeof sizes];
      const mine = events.filter((p) => p.step === kind && p.fileName === name);
      expect(mine.every((p) => p.bytesTotal === sizes[name])).toBe(true);
      expect(mine.map((p) => p.bytesDone)).toEqual([...mine.map((p) => p.bytesDone)].sort((a, b) => a - b));
      expect(mine[0]!.bytesDone).toBe(0);
      expect(mine.at(-1)!.bytesDone).toBe(sizes[name]);
    }
    expect(m.storage).toBe('copy');
    expect((await s.call('models.list', {})).map((x) => x.id)).toEqual([m.id]);
  });
});
