// The model manager behind the contract: catalog, installed models, import, download, activate (through the same
// path as inference.load), remove, a test analysis of the bundled sample image, and the secrets' set/not-set.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, EventPayload, ParsedInput } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import { SecretName, type InferenceStatus, type InstalledModel, type ModelCatalog, type SecretsStatus } from '../../api/schemas';
import type { InferenceClient } from '../../inference/inference-client';
import { SEED_PROMPT } from '../../inference/prompt';
import { appRoot } from '../paths';
import type { SecretStore } from '../secrets/secret-store';
import type { SettingsRepo } from '../settings/settings-repo';
import { bundledCatalog, findEntry } from './catalog';
import { createDownloadJobs, type DownloadJobsDeps } from './download-jobs';
import type { DownloadTuning } from './download';
import { createFileHashCache } from './file-hash';
import { importModel } from './import';
import { inspectGguf } from '../../inference/gguf/inspect';
import { createModelsRepo, type ModelRecord } from './models-repo';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export type ModelsHandlers = Pick<
  Handlers,
  | 'models.catalog'
  | 'models.list'
  | 'models.inspect'
  | 'models.import'
  | 'models.download'
  | 'models.downloads'
  | 'models.cancelDownload'
  | 'models.cancelImport'
  | 'models.remove'
  | 'models.activate'
  | 'models.test'
  | 'secrets.status'
  | 'secrets.set'
>;

export interface ModelsServiceOptions {
  catalog?: ModelCatalog;
  tuning?: Partial<DownloadTuning>;
  progressIntervalMs?: number;
  /** The image models.test analyses (default resources/samples/eye-sample.png). */
  sampleImage?: string;
  /** Read size when an import hashes and copies (tests make it small to see progress and cancel mid-file). */
  importChunkBytes?: number;
}

export interface ModelsServiceDeps {
  db: Database;
  dataDir: string;
  settings: SettingsRepo;
  secrets: SecretStore;
  emit: Emit;
  client: InferenceClient;
  /** The analysis service's load and unload: activating a model is loading it. */
  engine: ModelLoader;
  options?: ModelsServiceOptions;
}

/** Loads and unloads the inference engine (the analysis service), updating the settings as inference.load does. */
export interface ModelLoader {
  load(req: ParsedInput<'inference.load'>): Promise<InferenceStatus>;
  unload(): Promise<InferenceStatus>;
}

export const TEST_MAX_TOKENS = 48;

export function defaultSampleImage(): string {
  return path.join(appRoot(path.dirname(fileURLToPath(import.meta.url))), 'resources', 'samples', 'eye-sample.png');
}

/** true when `file` lies inside `dir` (after resolving), so only the app's own copies are ever deleted. */
function isInside(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function createModelsService(d: ModelsServiceDeps) {
  const repo = createModelsRepo(d.db);
  const hashes = createFileHashCache(d.db);
  /** The running import (one at a time: it reads and writes gigabytes). */
  let importing: AbortController | null = null;
  const modelsRoot = path.join(d.dataDir, 'models');
  const catalog = d.options?.catalog ?? bundledCatalog();

  function decorate(m: ModelRecord): InstalledModel {
    const s = d.settings.get();
    const st = d.client.status();
    const loaded =
      (st.state === 'ready' || st.state === 'loading' || st.state === 'crashed') && st.model?.modelPath === m.text.path && st.model?.mmprojPath === m.mmproj.path;
    return {
      ...m,
      active: s.modelPath === m.text.path && s.mmprojPath === m.mmproj.path,
      loaded,
      device: loaded && st.device ? [st.device.backend, ...st.device.names].join(': ') : null,
      missingFiles: [m.text.path, m.mmproj.path].filter((f) => !fs.existsSync(f)),
    };
  }

  const downloads = createDownloadJobs({
    db: d.db,
    repo,
    modelsRoot,
    secrets: d.secrets,
    emit: d.emit,
    decorate,
    tuning: d.options?.tuning,
    progressIntervalMs: d.options?.progressIntervalMs,
  } satisfies DownloadJobsDeps);

  function secretsStatus(): SecretsStatus {
    return { secrets: SecretName.options.map((name) => ({ name, set: d.secrets.has(name) })) };
  }

  async function ensureLoadedForTest(): Promise<void> {
    const st = d.client.status().state;
    if (st === 'ready' || st === 'loading' || st === 'crashed') return;
    const s = d.settings.get();
    if (!s.modelPath || !s.mmprojPath) throw new WorkstationError('unavailable', 'No model is active. Activate an installed model first, then test it.');
    await d.engine.load({ modelPath: s.modelPath, mmprojPath: s.mmprojPath, device: s.devicePreference, contextSize: s.contextSize });
  }

  function readSample(): Uint8Array {
    const file = d.options?.sampleImage ?? defaultSampleImage();
    try {
      return new Uint8Array(fs.readFileSync(file));
    } catch {
      throw new WorkstationError('internal', `The sample image is missing (${file}). Reinstall the app.`);
    }
  }

  const handlers: ModelsHandlers = {
    'models.catalog': () => catalog.entries.map((e) => ({ ...e, installedId: repo.findByCatalogId(e.id)?.id ?? null })),
    'models.list': () => repo.list().map(decorate),
    'models.inspect': async ({ path: p }) => inspectGguf(path.resolve(p)),
    'models.import': async (req) => {
      if (importing) throw new WorkstationError('conflict', 'Another model is being imported. Wait for it to finish, or cancel it.');
      const controller = new AbortController();
      importing = controller;
      try {
        const r = await importModel(req, {
          db: d.db,
          repo,
          modelsRoot,
          hash: (f, progress) => hashes.hash(f, progress),
          freeSpace: d.options?.tuning?.freeSpace,
          onProgress: (p) => d.emit('models.importProgress', p),
          signal: controller.signal,
          ...(d.options?.importChunkBytes ? { chunkBytes: d.options.importChunkBytes } : {}),
        });
        return { model: decorate(r.model), notes: r.notes };
      } finally {
        importing = null;
      }
    },
    'models.cancelImport': () => {
      if (!importing || importing.signal.aborted) return { cancelled: false };
      importing.abort();
      return { cancelled: true };
    },
    'models.download': ({ catalogId }) => {
      const entry = findEntry(catalog, catalogId);
      if (!entry) throw new WorkstationError('not-found', `The catalog has no model "${catalogId}".`);
      return { jobId: downloads.start(entry) };
    },
    'models.downloads': () => downloads.list(),
    'models.cancelDownload': ({ jobId }) => ({ cancelled: downloads.cancel(jobId) }),
    'models.remove': async ({ id }) => {
      const m = decorate(repo.get(id));
      if (m.loaded) await d.engine.unload();
      if (m.active) d.settings.update({ modelPath: null, mmprojPath: null });
      const deletedFiles: string[] = [];
      const keptFiles: string[] = [];
      for (const f of [m.text.path, m.mmproj.path]) {
        // Only what the app put in its own models folder is deleted; the user's own files never are.
        if (m.storage !== 'reference' && isInside(modelsRoot, f)) {
          fs.rmSync(f, { force: true });
          deletedFiles.push(f);
        } else {
          keptFiles.push(f);
        }
      }
      const dir = path.dirname(m.text.path);
      if (m.storage !== 'reference' && isInside(modelsRoot, dir)) {
        try {
          fs.rmdirSync(dir); // only when empty
        } catch {
          // something else is in there: leave it
        }
      }
      repo.delete(id);
      return { removed: true as const, deletedFiles, keptFiles };
    },
    'models.activate': async ({ id, device, contextSize }) => {
      const m = decorate(repo.get(id));
      if (m.missingFiles.length) {
        throw new WorkstationError('not-found', `"${m.title}" cannot be loaded: ${m.missingFiles.join(' and ')} no longer exist${m.missingFiles.length === 1 ? 's' : ''}. Remove the model and import it again.`);
      }
      const status = await d.engine.load({ modelPath: m.text.path, mmprojPath: m.mmproj.path, device, contextSize });
      return { model: decorate(repo.get(id)), status };
    },
    'models.test': async ({ maxTokens }) => {
      const image = readSample();
      await ensureLoadedForTest();
      const jobId = `test-${crypto.randomUUID()}`;
      const status = (s: EventPayload<'models.testStatus'>['status'], extra: Partial<EventPayload<'models.testStatus'>> = {}) => {
        const st = d.client.status();
        d.emit('models.testStatus', {
          jobId,
          status: s,
          message: null,
          text: null,
          device: st.device ? [st.device.backend, ...st.device.names].join(': ') : null,
          modelName: st.model?.name ?? null,
          ...extra,
        });
      };
      void d.client
        .analyze(
          jobId,
          { image, prompt: SEED_PROMPT, maxTokens: maxTokens ?? TEST_MAX_TOKENS },
          {
            onQueued: () => status('queued'),
            onStart: () => status('running'),
            onToken: (text) => d.emit('models.testToken', { jobId, text }),
          },
          1,
        )
        .then((r) => status(r.stopReason === 'aborted' ? 'cancelled' : 'completed', { text: r.text, message: r.stopReason === 'aborted' ? 'Cancelled.' : null }))
        .catch((err: unknown) => {
          const e = err instanceof WorkstationError ? err : new WorkstationError('internal', (err as Error).message);
          status(e.code === 'cancelled' ? 'cancelled' : 'failed', { message: e.message });
        });
      return { jobId };
    },
    'secrets.status': () => secretsStatus(),
    'secrets.set': ({ name, value }) => {
      d.secrets.set(name, value);
      return secretsStatus();
    },
  };

  return {
    handlers,
    repo,
    downloads,
    close: () => downloads.close(),
  };
}
export type ModelsService = ReturnType<typeof createModelsService>;
