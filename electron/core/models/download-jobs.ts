// Catalog downloads as jobs: both files of an entry fetched into <data>/models/.downloads/<id>/ (kept there
// between attempts so a later attempt resumes), checked as a pair, then moved to <data>/models/<id>/ and
// registered. Progress events carry bytes, speed and ETA; cancel removes the partial files.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventName, EventPayload } from '../../api/contract';
import { WorkstationError } from '../../api/errors';
import type { CatalogEntry, DownloadProgress, DownloadState, InstalledModel } from '../../api/schemas';
import type { SecretStore } from '../secrets/secret-store';
import { ensureFreeSpace } from './disk-space';
import { discardPartial, downloadFile, partialBytes, type DownloadedFile, type DownloadTuning } from './download';
import { sha256File } from './file-hash';
import { rememberHash, quantLabel } from './import';
import { checkModelPair } from '../../inference/gguf/inspect';
import type { ModelRecord, ModelsRepo } from './models-repo';

const SHUTDOWN = 'shutdown';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface DownloadJobsDeps {
  db: Database;
  repo: ModelsRepo;
  modelsRoot: string;
  secrets: SecretStore;
  emit: Emit;
  decorate(m: ModelRecord): InstalledModel;
  tuning?: Partial<DownloadTuning>;
  /** Least time between two 'downloading' events of one job. */
  progressIntervalMs?: number;
}

interface Job {
  progress: DownloadProgress;
  controller: AbortController;
  done: Promise<void>;
}

/** Bytes per second over the last few seconds. */
function speedMeter(windowMs = 8000) {
  const samples: Array<[number, number]> = [];
  return (bytes: number): number => {
    const now = performance.now();
    samples.push([now, bytes]);
    while (samples.length > 2 && now - samples[0]![0] > windowMs) samples.shift();
    const [t0, b0] = samples[0]!;
    const dt = (now - t0) / 1000;
    return dt >= 0.3 ? Math.max(0, (bytes - b0) / dt) : 0;
  };
}

export function createDownloadJobs(d: DownloadJobsDeps) {
  const jobs = new Map<string, Job>();
  const interval = d.progressIntervalMs ?? 250;
  const stagingRoot = path.join(d.modelsRoot, '.downloads');

  function running(catalogId: string): Job | undefined {
    for (const j of jobs.values()) if (j.progress.catalogId === catalogId && !isFinal(j.progress.state)) return j;
    return undefined;
  }
  const isFinal = (s: DownloadState) => s === 'completed' || s === 'failed' || s === 'cancelled';

  function start(entry: CatalogEntry): string {
    if (entry.files.length === 0) {
      throw new WorkstationError('unsupported-input', `"${entry.title}" cannot be downloaded: no GGUF of it is published. ${entry.howToGet.join(' ')}`);
    }
    const installed = d.repo.findByCatalogId(entry.id);
    if (installed) throw new WorkstationError('conflict', `"${entry.title}" is already installed. Remove it first to download it again.`);
    const busy = running(entry.id);
    if (busy) return busy.progress.jobId;

    const jobId = crypto.randomUUID();
    const controller = new AbortController();
    const progress: DownloadProgress = {
      jobId,
      catalogId: entry.id,
      fileName: null,
      receivedBytes: 0,
      totalBytes: entry.files.reduce((a, f) => a + (f.sizeBytes ?? f.approxSizeBytes), 0),
      bytesPerSecond: 0,
      etaSeconds: null,
      state: 'starting',
      message: null,
      model: null,
    };
    const job: Job = { progress, controller, done: Promise.resolve() };
    jobs.set(jobId, job);
    // Finished jobs are kept for the UI (a reload still shows how it ended), the last 20 only.
    const finished = [...jobs.values()].filter((j) => isFinal(j.progress.state));
    for (const j of finished.slice(0, Math.max(0, finished.length - 20))) jobs.delete(j.progress.jobId);
    job.done = run(job, entry);
    return jobId;
  }

  async function run(job: Job, entry: CatalogEntry): Promise<void> {
    const p = job.progress;
    const signal = job.controller.signal;
    const staging = path.join(stagingRoot, entry.id);
    const meter = speedMeter();
    let lastEmit = 0;
    const emit = (force = false) => {
      const now = performance.now();
      if (!force && now - lastEmit < interval) return;
      lastEmit = now;
      d.emit('models.downloadProgress', { ...p });
    };
    const set = (state: DownloadState, message: string | null = null) => {
      p.state = state;
      p.message = message;
      emit(true);
    };

    const totals = entry.files.map((f) => f.sizeBytes ?? f.approxSizeBytes);
    const received = entry.files.map(() => 0);
    const update = () => {
      p.receivedBytes = received.reduce((a, b) => a + b, 0);
      p.totalBytes = Math.max(p.receivedBytes, totals.reduce((a, b) => a + b, 0));
      p.bytesPerSecond = Math.round(meter(p.receivedBytes));
      p.etaSeconds = p.bytesPerSecond > 0 ? Math.round((p.totalBytes - p.receivedBytes) / p.bytesPerSecond) : null;
    };

    const token = entry.gated ? d.secrets.get('huggingface-token') : null;
    const got: DownloadedFile[] = [];
    try {
      set('starting');
      fs.mkdirSync(staging, { recursive: true });
      const already = entry.files.reduce((a, f) => {
        const dest = path.join(staging, f.fileName);
        return a + (fs.existsSync(dest) ? fs.statSync(dest).size : partialBytes(dest));
      }, 0);
      await ensureFreeSpace(d.modelsRoot, totals.reduce((a, b) => a + b, 0) - already, `downloading ${entry.title}`, undefined, d.tuning?.freeSpace);

      for (const [i, f] of entry.files.entries()) {
        const dest = path.join(staging, f.fileName);
        p.fileName = f.fileName;
        if (fs.existsSync(dest)) {
          // Verified and renamed by an earlier attempt that stopped at a later file.
          const size = fs.statSync(dest).size;
          const sha = await sha256File(dest);
          if ((f.sizeBytes === null || size === f.sizeBytes) && (f.sha256 === null || sha === f.sha256)) {
            received[i] = totals[i] = size;
            update();
            got.push({ path: dest, sizeBytes: size, sha256: sha });
            continue;
          }
          fs.rmSync(dest, { force: true });
        }
        set('downloading');
        got.push(
          await downloadFile({
            url: f.url,
            dest,
            expectedSize: f.sizeBytes,
            expectedSha256: f.sha256,
            token,
            signal,
            keepPartialOnAbort: () => signal.reason === SHUTDOWN,
            tuning: d.tuning,
            onProgress: (fp) => {
              received[i] = fp.receivedBytes;
              if (fp.totalBytes !== null) totals[i] = fp.totalBytes;
              update();
              if (fp.state !== p.state) set(fp.state, fp.message);
              else emit();
            },
          }),
        );
        received[i] = totals[i] = got[i]!.sizeBytes;
        update();
      }

      // Both files are here and verified: are they the model the workstation needs?
      p.fileName = null;
      set('installing');
      const byRole = (role: 'text' | 'mmproj') => got[entry.files.findIndex((f) => f.role === role)]!;
      const text = byRole('text');
      const mmproj = byRole('mmproj');
      let pair;
      try {
        pair = await checkModelPair(text.path, mmproj.path);
      } catch (err) {
        for (const g of got) fs.rmSync(g.path, { force: true });
        throw new WorkstationError('unsupported-input', `The downloaded files are not a usable model, so nothing was installed: ${(err as Error).message}`);
      }
      if (signal.aborted) throw new WorkstationError('cancelled', 'The download was cancelled.');
      const finalDir = path.join(d.modelsRoot, entry.id);
      fs.rmSync(finalDir, { recursive: true, force: true }); // not registered (checked above): a leftover
      fs.mkdirSync(finalDir, { recursive: true });
      const moved = (g: DownloadedFile) => {
        const to = path.join(finalDir, path.basename(g.path));
        fs.renameSync(g.path, to);
        rememberHash(d.db, to, g.sha256);
        return to;
      };
      const textPath = moved(text);
      const mmprojPath = moved(mmproj);
      fs.rmSync(staging, { recursive: true, force: true });
      const record = d.repo.insert({
        id: entry.id,
        title: entry.title,
        source: 'catalog',
        catalogId: entry.id,
        storage: 'download',
        fineTuned: entry.fineTuned,
        name: pair.text.name,
        quantization: quantLabel(pair.text.quantization),
        parameterCount: pair.text.parameterCount,
        imageSize: pair.mmproj.imageSize,
        embeddingLength: pair.text.embeddingLength,
        text: { path: textPath, fileName: path.basename(textPath), sizeBytes: text.sizeBytes, sha256: text.sha256 },
        mmproj: { path: mmprojPath, fileName: path.basename(mmprojPath), sizeBytes: mmproj.sizeBytes, sha256: mmproj.sha256 },
        addedAt: new Date().toISOString(),
      });
      p.model = d.decorate(record);
      p.bytesPerSecond = 0;
      p.etaSeconds = 0;
      set('completed', `Installed ${entry.title}.`);
    } catch (err) {
      p.bytesPerSecond = 0;
      p.etaSeconds = null;
      if (signal.aborted && signal.reason === SHUTDOWN) {
        set('cancelled', 'Stopped because the app closed. Download again to resume where it stopped.');
        return;
      }
      if (signal.aborted || (err instanceof WorkstationError && err.code === 'cancelled')) {
        // A cancel leaves nothing behind: not the partial files, not the files already verified.
        for (const f of entry.files) discardPartial(path.join(staging, f.fileName));
        fs.rmSync(staging, { recursive: true, force: true });
        set('cancelled', 'Cancelled. Nothing was installed.');
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      set('failed', token && message.includes(token) ? message.split(token).join('[token]') : message);
    }
  }

  return {
    start,
    cancel(jobId: string): boolean {
      const j = jobs.get(jobId);
      if (!j || isFinal(j.progress.state)) return false;
      j.controller.abort();
      return true;
    },
    list(): DownloadProgress[] {
      return [...jobs.values()].map((j) => ({ ...j.progress }));
    },
    /** Resolves when the job has finished (tests, shutdown). */
    settled(jobId: string): Promise<void> {
      return jobs.get(jobId)?.done ?? Promise.resolve();
    },
    async close(): Promise<void> {
      for (const j of jobs.values()) if (!isFinal(j.progress.state)) j.controller.abort(SHUTDOWN);
      await Promise.all([...jobs.values()].map((j) => j.done));
    },
  };
}
export type DownloadJobs = ReturnType<typeof createDownloadJobs>;
