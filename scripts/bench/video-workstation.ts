// The workstation bench:video measures (bench-video.ts): the real services behind the real browser host in
// this process, with a fresh data folder; API calls as the page makes them, and video imports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeWire, encodeWire } from '../../electron/api/wire';
import { startWorkstation } from '../../electron/core/library/workstation';
import { createEventHub } from '../../electron/host/event-hub';
import { startBrowserHost } from '../../electron/host/server';
import { nodeServiceOptions } from '../../electron/host/node-services';

export interface BenchWorkstation {
  /** The page to open. */
  url: string;
  /** One API call through the host, as the page makes it; a refused call throws "channel: message". */
  call<T>(channel: string, input: unknown): Promise<T>;
  /** Imports a video file into a case and resolves with its id once the import job is done. */
  importVideo(caseId: number, file: string): Promise<number>;
  /** Closes the host and the services and removes the data folder. */
  close(): Promise<void>;
}

export async function startBenchWorkstation(rendererDir: string): Promise<BenchWorkstation> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-video-'));
  const events = createEventHub();
  const services = startWorkstation(nodeServiceOptions(dataDir, 'bench', events.emit));
  const host = await startBrowserHost({ services, events, rendererDir });
  await services.ready;
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${host.port}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
      body: encodeWire(input),
    });
    const body = decodeWire(await res.text()) as { ok: boolean; value?: T; error?: { message: string } };
    if (!body.ok) throw new Error(`${channel}: ${body.error?.message}`);
    return body.value as T;
  };
  const importVideo = async (caseId: number, file: string): Promise<number> => {
    const done = new Promise<number>((resolve, reject) => {
      const off = events.subscribe((name, payload) => {
        const e = payload as { phase: string; message: string | null; video: { id: number } | null };
        if (name !== 'videos.jobProgress') return;
        if (e.phase === 'done') {
          off();
          resolve(e.video!.id);
        } else if (e.phase === 'failed' || e.phase === 'cancelled') {
          off();
          reject(new Error(e.message ?? e.phase));
        }
      });
    });
    await call('videos.import', { caseId, path: file });
    const id = await done;
    // The scrub proxy is made in the background after import: the benchmark measures the review with it.
    const t0 = Date.now();
    for (;;) {
      const p = await call<{ state: string; message: string | null }>('videos.proxy', { id });
      if (p.state === 'ready' || p.state === 'failed' || p.state === 'skipped') {
        if (p.state !== 'ready') console.error(`scrub proxy ${p.state}: ${p.message}`);
        else console.error(`scrub proxy ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return id;
  };
  return {
    url: host.url,
    call,
    importVideo,
    async close() {
      await host.close();
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
