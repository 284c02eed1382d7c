// The shipped model catalog (resources/models.json): valid, honest about what is fine-tuned, no invented hashes.
import { describe, expect, it } from 'vitest';
import { bundledCatalog, parseCatalog } from '../../electron/core/models/catalog';
import { modelIdFor, quantLabel, slug } from '../../electron/core/models/import';

describe('model catalog', () => {
  const catalog = bundledCatalog();

  it('has the cataract fine-tune, which explains how to get it instead of a download', () => {
    const fine = catalog.entries.filter((e) => e.fineTuned);
    expect(fine).toHaveLength(1);
    expect(fine[0]!.files).toEqual([]);
    expect(fine[0]!.modelPage).toBe('https://huggingface.co/mehti/medgemma-cataract-surgical-analysis');
    expect(fine[0]!.howToGet.join(' ')).toMatch(/scripts\/convert-model/);
    expect(fine[0]!.howToGet.join(' ')).toMatch(/Import/);
  });

  it('offers base MedGemma GGUFs, each clearly labelled as not fine-tuned, with a text model and an mmproj', () => {
    const base = catalog.entries.filter((e) => !e.fineTuned);
    expect(base.length).toBeGreaterThan(0);
    for (const e of base) {
      expect(e.title).toMatch(/NOT fine-tuned for cataract review/);
      expect(e.description).toMatch(/not trained on Cataract-1K/i);
      expect(e.files.map((f) => f.role).sort()).toEqual(['mmproj', 'text']);
      expect(e.licence.name).toMatch(/Health AI Developer Foundations/);
      expect(e.gated).toBe(true);
      expect(e.note).toMatch(/should be verified/);
      for (const f of e.files) {
        expect(f.url).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/main\/[^/]+\.gguf$/);
        expect(f.url.endsWith(`/${f.fileName}`)).toBe(true);
        // Nothing is pinned that was not checked against the real file.
        expect(f.sha256).toBeNull();
        expect(f.sizeBytes).toBeNull();
      }
    }
  });

  it('refuses a catalog with mistakes', () => {
    const entry = catalog.entries.find((e) => !e.fineTuned)!;
    expect(() => parseCatalog({ version: 1, entries: [entry, entry] })).toThrow(/lists "medgemma-4b-it-q4-k-m" twice/);
    expect(() => parseCatalog({ version: 1, entries: [{ ...entry, files: [entry.files[0]] }] })).toThrow(/exactly one text file and one mmproj/);
    expect(() => parseCatalog({ version: 1, entries: [{ ...entry, files: [], howToGet: [] }] })).toThrow(/does not say how to get/);
    expect(() => parseCatalog({ version: 1, entries: [{ ...entry, files: [{ ...entry.files[0], url: 'ftp://x/y.gguf' }, entry.files[1]] }] })).toThrow(/Only http\(s\)/);
    expect(() => parseCatalog({ version: 1, entries: [{ ...entry, files: [{ ...entry.files[0], fileName: '../x.gguf' }, entry.files[1]] }] })).toThrow(/plain \.gguf file name/);
    expect(() => parseCatalog({ version: 2, entries: [] })).toThrow(/not valid/);
  });
});

describe('model ids', () => {
  it('are readable and unique to the file', () => {
    expect(quantLabel('MOSTLY_Q4_K_M')).toBe('Q4_K_M');
    expect(quantLabel('ALL_F32')).toBe('F32');
    expect(slug('MedGemma 1.5 4B (cataract)!')).toBe('medgemma-1-5-4b-cataract');
    const text = { name: 'Medgemma Cataract', fileName: 'x.gguf', quantization: 'MOSTLY_Q4_K_M' } as Parameters<typeof modelIdFor>[0];
    expect(modelIdFor(text, 'abcdef0123456789'.repeat(4))).toBe('medgemma-cataract-q4-k-m-abcdef01');
    const named = { ...text, name: 'medgemma-cataract-Q4_K_M' };
    expect(modelIdFor(named, '0'.repeat(64))).toBe('medgemma-cataract-q4-k-m-00000000');
  });
});
