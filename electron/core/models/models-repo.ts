// The model registry (table `models`, migration 0003): installed models, their files and where they came from.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import type { InstalledModel } from '../../api/schemas';

/** What is stored; active / loaded / device / missingFiles are worked out when listing. */
export type ModelRecord = Omit<InstalledModel, 'active' | 'loaded' | 'device' | 'missingFiles'>;

interface Row {
  id: string;
  title: string;
  source: ModelRecord['source'];
  catalog_id: string | null;
  storage: ModelRecord['storage'];
  fine_tuned: number | null;
  name: string | null;
  quantization: string | null;
  parameter_count: number;
  image_size: number | null;
  embedding_length: number | null;
  text_path: string;
  text_size: number;
  text_sha256: string;
  mmproj_path: string;
  mmproj_size: number;
  mmproj_sha256: string;
  added_at: string;
}

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

function fromRow(r: Row): ModelRecord {
  return {
    id: r.id,
    title: r.title,
    source: r.source,
    catalogId: r.catalog_id,
    storage: r.storage,
    fineTuned: r.fine_tuned === null ? null : r.fine_tuned === 1,
    name: r.name,
    quantization: r.quantization,
    parameterCount: r.parameter_count,
    imageSize: r.image_size,
    embeddingLength: r.embedding_length,
    text: { path: r.text_path, fileName: baseName(r.text_path), sizeBytes: r.text_size, sha256: r.text_sha256 },
    mmproj: { path: r.mmproj_path, fileName: baseName(r.mmproj_path), sizeBytes: r.mmproj_size, sha256: r.mmproj_sha256 },
    addedAt: r.added_at,
  };
}

export function createModelsRepo(db: Database) {
  return {
    list(): ModelRecord[] {
      return db.prepare<[], Row>('SELECT * FROM models ORDER BY added_at DESC, id').all().map(fromRow);
    },
    find(id: string): ModelRecord | null {
      const r = db.prepare<[string], Row>('SELECT * FROM models WHERE id = ?').get(id);
      return r ? fromRow(r) : null;
    },
    get(id: string): ModelRecord {
      const m = this.find(id);
      if (!m) throw new WorkstationError('not-found', `There is no installed model "${id}". It may have been removed; refresh the list.`);
      return m;
    },
    findByCatalogId(catalogId: string): ModelRecord | null {
      const r = db.prepare<[string], Row>('SELECT * FROM models WHERE catalog_id = ? ORDER BY added_at DESC LIMIT 1').get(catalogId);
      return r ? fromRow(r) : null;
    },
    findByHashes(textSha: string, mmprojSha: string): ModelRecord | null {
      const r = db.prepare<[string, string], Row>('SELECT * FROM models WHERE text_sha256 = ? AND mmproj_sha256 = ?').get(textSha, mmprojSha);
      return r ? fromRow(r) : null;
    },
    findByPaths(textPath: string, mmprojPath: string): ModelRecord | null {
      const r = db.prepare<[string, string], Row>('SELECT * FROM models WHERE text_path = ? AND mmproj_path = ?').get(textPath, mmprojPath);
      return r ? fromRow(r) : null;
    },
    insert(m: ModelRecord): ModelRecord {
      if (this.find(m.id)) throw new WorkstationError('conflict', `A model with the id "${m.id}" is already installed.`);
      db.prepare(
        `INSERT INTO models (id, title, source, catalog_id, storage, fine_tuned, name, quantization, parameter_count, image_size, embedding_length,
           text_path, text_size, text_sha256, mmproj_path, mmproj_size, mmproj_sha256, added_at)
         VALUES (@id, @title, @source, @catalogId, @storage, @fineTuned, @name, @quantization, @parameterCount, @imageSize, @embeddingLength,
           @textPath, @textSize, @textSha, @mmprojPath, @mmprojSize, @mmprojSha, @addedAt)`,
      ).run({
        id: m.id,
        title: m.title,
        source: m.source,
        catalogId: m.catalogId,
        storage: m.storage,
        fineTuned: m.fineTuned === null ? null : m.fineTuned ? 1 : 0,
        name: m.name,
        quantization: m.quantization,
        parameterCount: m.parameterCount,
        imageSize: m.imageSize,
        embeddingLength: m.embeddingLength,
        textPath: m.text.path,
        textSize: m.text.sizeBytes,
        textSha: m.text.sha256,
        mmprojPath: m.mmproj.path,
        mmprojSize: m.mmproj.sizeBytes,
        mmprojSha: m.mmproj.sha256,
        addedAt: m.addedAt,
      });
      return this.get(m.id);
    },
    delete(id: string): void {
      db.prepare('DELETE FROM models WHERE id = ?').run(id);
    },
  };
}
export type ModelsRepo = ReturnType<typeof createModelsRepo>;
