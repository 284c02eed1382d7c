// The service object behind the contract. Electron main registers it over IPC; the browser host serves it over
// HTTP/SSE. Nothing here imports electron.
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import type { EventName, EventPayload } from '../api/contract';
import type { Handlers } from '../api/dispatch';
import { WorkstationError } from '../api/errors';
import type { InferenceClient } from '../inference/inference-client';
import type { SpawnWorker } from '../inference/worker-handle';
import { probeImage } from '../inference/image/decode';
import { createAnalysisService } from './analysis/analysis-service';
import { createCasesRepo } from './cases/cases-repo';
import { openDatabase } from './db/connection';
import { createFrameStore } from './frames/frame-store';
import { createFramesRepo } from './frames/frames-repo';
import { createSettingsRepo } from './settings/settings-repo';

export type EmitEvent = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface AppServicesOptions {
  dataDir: string;
  transport: 'electron' | 'browser-host';
  appVersion: string;
  spawnWorker: SpawnWorker;
  emit: EmitEvent;
}

export interface AppServices {
  handlers: Handlers;
  db: Database;
  /** The inference process manager (status, pid for fault tests). */
  inference: InferenceClient;
  /** A stored frame image the library knows, for media:// and the host's /media/; null for anything else. */
  resolveFrame(sha256: string): { file: string; mime: string } | null;
  close(): Promise<void>;
}

export function libraryFile(dataDir: string): string {
  return path.join(dataDir, 'library.sqlite');
}

export function createAppServices(o: AppServicesOptions): AppServices {
  const db = openDatabase(libraryFile(o.dataDir), { backupDir: path.join(o.dataDir, 'backups') });
  const cases = createCasesRepo(db);
  const settings = createSettingsRepo(db);
  const store = createFrameStore(o.dataDir);
  const frames = createFramesRepo(db, store);
  const analysis = createAnalysisService({ db, frames, store, settings, spawnWorker: o.spawnWorker, emit: o.emit });

  const handlers: Handlers = {
    'app.info': () => ({
      name: 'Cataract Review Workstation',
      version: o.appVersion,
      transport: o.transport,
      platform: `${process.platform}-${process.arch}`,
      dataDir: o.dataDir,
    }),
    'cases.list': ({ search }) => cases.list(search),
    'cases.get': ({ id }) => cases.get(id),
    'cases.create': (input) => cases.create(input),
    'cases.update': ({ id, patch }) => cases.update(id, patch),
    'cases.delete': ({ id }) => {
      cases.delete(id);
      return { ok: true as const };
    },
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
    'frames.addImage': ({ caseId, fileName, data }) => {
      cases.get(caseId);
      let probe;
      try {
        probe = probeImage(data);
      } catch (err) {
        throw new WorkstationError('unsupported-input', (err as Error).message);
      }
      const mime = probe.format === 'png' ? 'image/png' : 'image/jpeg';
      return frames.add({ caseId, sourceName: path.basename(fileName), data, mime, width: probe.width, height: probe.height });
    },
    'frames.list': ({ caseId }) => frames.list(caseId),
    'frames.delete': ({ id }) => {
      frames.delete(id);
      return { ok: true as const };
    },
    ...analysis.handlers,
  };

  return {
    handlers,
    db,
    inference: analysis.client,
    resolveFrame(sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
      const known = frames.findBySha(sha256);
      if (!known) return null;
      return { file: path.join(store.root, store.relativePath(known.sha256, known.mime)), mime: known.mime };
    },
    async close() {
      await analysis.close();
      db.close();
    },
  };
}
