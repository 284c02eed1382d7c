// Downloading a catalog model through the real services from a loopback server that serves the generated tiny
// gemma3 model: progress, resume after dropped connections (and after a restart), verification, cancel, the
// token as a header that never shows up anywhere else, and the disk-space check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import type { ModelCatalog } from '../../electron/api/schemas';
import { parseCatalog } from '../../electron/core/models/catalog';
import type { DownloadTuning } from '../../electron/core/models/download';
import { sha256, startModelServer, type ModelServer, type ModelServerOptions } from '../fixtures/model-server';
import { startTestServices, type TestServices } from '../fixtures/services';
import { ensureTestModel } from '../fixtures/test-model';

type Progress = EventPayload<'models.downloadProgress'>;
const TOKEN = 'hf_TESTtoken_9f8e7d6c5b4a';

let text: Buffer;
let mmproj: Buffer;
const FILES = { text: 'tiny-gemma3-text.gguf', mmproj: 'tiny-gemma3-mmproj-224.gguf' };

const FAST: Partial<DownloadTuning> = {
  connections: 3,
  minSegmentBytes: 32 * 1024,
  maxRetries: 4,
  retryDelayMs: () => 20,
  stallTimeoutMs: 1500,
  saveEveryMs: 20,
};

function catalogFor(server: ModelServer, o: { id?: string; gated?: boolean; textSha?: string | null; exactSizes?: boolean; textUrl?: string } = {}): ModelCatalog {
  const id = o.id ?? 'tiny-test';
  return parseCatalog(
    {
      version: 1,
      entries: [
        {
          id,
          title: 'Tiny test model',
          description: 'The generated tiny gemma3 model, served from a loopback server.',
          fineTuned: false,
          modelPage: `http://127.0.0.1:${server.port}/`,
          licence: { name: 'test', url: `http://127.0.0.1:${server.port}/licence`, note: 'test only' },
          gated: o.gated ?? false,
          files: [
            {
              role: 'text',
              fileName: FILES.text,
              url: o.textUrl ?? server.url(FILES.text),
              sizeBytes: o.exactSizes === false ? null : text.length,
              approxSizeBytes: text.length,
              sha256: o.textSha === undefined ? sha256(text) : o.textSha,
            },
            { role: 'mmproj', fileName: FILES.mmproj, url: server.url(FILES.mmproj), sizeBytes: mmproj.length, approxSizeBytes: mmproj.length, sha256: sha256(mmproj) },
          ],
          howToGet: [],
          note: null,
        },
      ],
    },
    'the test catalog',
  );
}

/** Every file under a folder (relative paths). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('model download', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    const m = await ensureTestModel(224);
    text = fs.readFileSync(m.modelPath);
    mmproj = fs.readFileSync(m.mmprojPath);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  async function setup(serverOptions: Partial<ModelServerOptions> = {}, catalogOptions: Parameters<typeof catalogFor>[1] = {}, tuning: Partial<DownloadTuning> = {}, dataDir?: string) {
    const server = await startModelServer({ files: { [FILES.text]: text, [FILES.mmproj]: mmproj }, ...serverOptions });
    open.push(server);
    const s = startTestServices(dataDir, { models: { catalog: catalogFor(server, catalogOptions), tuning: { ...FAST, ...tuning }, progressIntervalMs: 0 } });
    open.push(s);
    return { server, s };
  }

  const progressOf = (s: TestServices, jobId: string) => s.events.filter((e) => e.name === 'models.downloadProgress').map((e) => e.payload as Progress).filter((p) => p.jobId === jobId);
  const finished = (s: TestServices, jobId: string) =>
    s.waitFor('models.downloadProgress', (p) => p.jobId === jobId && ['completed', 'failed', 'cancelled'].includes(p.state), 30_000);

  it('downloads both files with progress (bytes, speed, ETA), verifies them and installs the model', async () => {
    const { s } = await setup({ chunkBytes: 4096, delayMs: 30 });
    expect((await s.call('models.catalog', {}))[0]!.installedId).toBeNull();
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state, end.message ?? '').toBe('completed');

    const events = progressOf(s, jobId);
    const downloading = events.filter((p) => p.state === 'downloading');
    expect(downloading.length).toBeGreaterThan(5);
    const received = downloading.map((p) => p.receivedBytes);
    expect(received).toEqual([...received].sort((a, b) => a - b)); // never goes backwards
    expect(downloading.every((p) => p.totalBytes === text.length + mmproj.length)).toBe(true);
    expect(downloading.some((p) => p.bytesPerSecond > 0 && p.etaSeconds !== null)).toBe(true);
    expect(new Set(downloading.map((p) => p.fileName))).toEqual(new Set([FILES.text, FILES.mmproj]));
    expect(events.map((p) => p.state)).toContain('verifying');
    expect(end.receivedBytes).toBe(text.length + mmproj.length);

    const [model] = await s.call('models.list', {});
    expect(end.model?.id).toBe('tiny-test');
    expect(model).toMatchObject({ id: 'tiny-test', source: 'catalog', catalogId: 'tiny-test', storage: 'download', fineTuned: false, quantization: 'F16', imageSize: 224, missingFiles: [] });
    expect(model!.text.sha256).toBe(sha256(text));
    expect(model!.mmproj.sha256).toBe(sha256(mmproj));
    expect(fs.readFileSync(model!.text.path).equals(text)).toBe(true);
    expect(path.dirname(model!.text.path)).toBe(path.join(s.dataDir, 'models', 'tiny-test'));
    // Nothing half-done is left behind.
    expect(filesUnder(path.join(s.dataDir, 'models'))).toEqual([`tiny-test/${FILES.mmproj}`, `tiny-test/${FILES.text}`]);
    expect((await s.call('models.catalog', {}))[0]!.installedId).toBe('tiny-test');
    await expect(s.call('models.download', { catalogId: 'tiny-test' })).rejects.toThrow(/already installed/);
  });

  it('uses parallel connections with byte ranges', async () => {
    const { server, s } = await setup();
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    expect((await finished(s, jobId)).state).toBe('completed');
    const textRanges = server.requests.filter((r) => r.path.endsWith(FILES.text) && r.range && r.range !== 'bytes=0-0');
    expect(textRanges.length).toBeGreaterThanOrEqual(3);
  });

  it('resumes when the server drops the connection part-way, and ends with a verified file', async () => {
    const { server, s } = await setup({ drop: { file: FILES.text, afterBytes: 20_000, times: 4 }, chunkBytes: 4096 });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state, end.message ?? '').toBe('completed');
    expect(progressOf(s, jobId).some((p) => p.state === 'retrying')).toBe(true);
    // The retries asked for the rest of a part, not for the file from the start.
    const starts = server.requests
      .filter((r) => r.path.endsWith(FILES.text) && r.range && r.range !== 'bytes=0-0')
      .map((r) => Number(/bytes=(\d+)-/.exec(r.range!)![1]));
    const partStarts = new Set(starts.slice(0, 3));
    expect(starts.length).toBeGreaterThan(3);
    expect(starts.slice(3).every((st) => !partStarts.has(st))).toBe(true);
    const [model] = await s.call('models.list', {});
    expect(sha256(fs.readFileSync(model!.text.path))).toBe(sha256(text));
  });

  it('drops a stalled connection and resumes', async () => {
    const { s } = await setup({ stall: { file: FILES.mmproj, afterBytes: 10_000, times: 1 } }, {}, { stallTimeoutMs: 300 });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state, end.message ?? '').toBe('completed');
    expect(progressOf(s, jobId).some((p) => p.state === 'retrying' && /no data/.test(p.message ?? ''))).toBe(true);
  });

  it('starts a file again from the beginning when the server cannot resume (no Range support)', async () => {
    const { s } = await setup({ ranges: false, drop: { file: FILES.text, afterBytes: 50_000, times: 1 } });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state, end.message ?? '').toBe('completed');
    const [model] = await s.call('models.list', {});
    expect(model!.text.sha256).toBe(sha256(text));
  });

  it('resumes after the app was closed mid-download, without fetching the finished bytes again', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workstation-dl-'));
    const server = await startModelServer({ files: { [FILES.text]: text, [FILES.mmproj]: mmproj }, chunkBytes: 4096, delayMs: 15 });
    open.push(server);
    const models = { catalog: catalogFor(server), tuning: { ...FAST, connections: 1 }, progressIntervalMs: 0 };
    const first = startTestServices(dataDir, { models });
    const { jobId } = await first.call('models.download', { catalogId: 'tiny-test' });
    await first.waitFor('models.downloadProgress', (p) => p.jobId === jobId && p.receivedBytes > 60_000);
    await first.close(); // the app quits: the partial file and its progress are kept
    expect(fs.existsSync(path.join(dataDir, 'models', '.downloads', 'tiny-test', `${FILES.text}.part`))).toBe(true);
    expect(first.events.some((e) => e.name === 'models.downloadProgress' && /app closed/.test((e.payload as Progress).message ?? ''))).toBe(true);

    const seen = server.requests.length;
    const again = startTestServices(dataDir, { models });
    open.push(again);
    const job2 = await again.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(again, job2.jobId);
    expect(end.state, end.message ?? '').toBe('completed');
    const textRequests = server.requests.slice(seen).filter((r) => r.path.endsWith(FILES.text) && r.range !== 'bytes=0-0');
    expect(textRequests.length).toBeGreaterThan(0);
    expect(Number(/bytes=(\d+)-/.exec(textRequests[0]!.range ?? '')?.[1] ?? 0)).toBeGreaterThan(50_000);
    const [model] = await again.call('models.list', {});
    expect(model!.text.sha256).toBe(sha256(text));
  });

  it('refuses a file whose sha256 does not match: an error, nothing installed, no temporary file left', async () => {
    const { s } = await setup({}, { textSha: 'ab'.repeat(32) });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/does not match the catalog's sha256.*deleted.*nothing was installed/);
    expect(await s.call('models.list', {})).toEqual([]);
    expect(filesUnder(path.join(s.dataDir, 'models')).filter((f) => /\.part|\.gguf/.test(f))).toEqual([]);
    expect((await s.call('models.catalog', {}))[0]!.installedId).toBeNull();
  });

  it('refuses a server file whose size differs from the catalog', async () => {
    const server = await startModelServer({ files: { [FILES.text]: text.subarray(0, 1000), [FILES.mmproj]: mmproj } });
    open.push(server);
    const cat = catalogFor(server);
    const s = startTestServices(undefined, { models: { catalog: cat, tuning: FAST, progressIntervalMs: 0 } });
    open.push(s);
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/has 1,000 bytes but the catalog expects/);
    expect(await s.call('models.list', {})).toEqual([]);
  });

  it('cancels: nothing installed, no partial files', async () => {
    const { s } = await setup({ chunkBytes: 2048, delayMs: 20 });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    await s.waitFor('models.downloadProgress', (p) => p.jobId === jobId && p.receivedBytes > 10_000);
    expect(await s.call('models.cancelDownload', { jobId })).toEqual({ cancelled: true });
    const end = await finished(s, jobId);
    expect(end.state).toBe('cancelled');
    expect(await s.call('models.list', {})).toEqual([]);
    expect(filesUnder(path.join(s.dataDir, 'models'))).toEqual([]);
    expect(await s.call('models.cancelDownload', { jobId })).toEqual({ cancelled: false });
    expect((await s.call('models.downloads', {})).find((p) => p.jobId === jobId)?.state).toBe('cancelled');
  });

  it('checks free disk space before downloading anything', async () => {
    const { server, s } = await setup({}, {}, { freeSpace: async () => 10_000 });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/Not enough free disk space/);
    expect(server.requests).toEqual([]);
  });

  it('explains that a gated model needs an access token when the server refuses', async () => {
    const { s } = await setup({ token: TOKEN }, { gated: true });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/HTTP 401.*gated.*access token/);
  });

  it('sends the token as a bearer header, to the catalog host only, and never logs or returns it', async () => {
    const logged: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' ')));
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');

    // Wrong token first: the failure message must not carry it.
    const refused = await setup({ token: 'hf_theRightOne' }, { gated: true });
    await refused.s.call('secrets.set', { name: 'huggingface-token', value: TOKEN });
    const r1 = await refused.s.call('models.download', { catalogId: 'tiny-test' });
    const end1 = await finished(refused.s, r1.jobId);
    expect(end1.state).toBe('failed');
    expect(end1.message).toMatch(/HTTP 403.*token was sent/);

    const { server, s } = await setup({ token: TOKEN }, { gated: true });
    const status = await s.call('secrets.set', { name: 'huggingface-token', value: TOKEN });
    expect(status).toEqual({ secrets: [{ name: 'huggingface-token', set: true }, { name: 'remote-api-key', set: false }] });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state, end.message ?? '').toBe('completed');
    const fileRequests = server.requests.filter((r) => r.path.startsWith('/files/'));
    expect(fileRequests.length).toBeGreaterThan(2);
    expect(fileRequests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const everything = [
      ...logged,
      ...out.mock.calls.map((c) => String(c[0])),
      ...err.mock.calls.map((c) => String(c[0])),
      JSON.stringify(refused.s.events),
      JSON.stringify(s.events),
      JSON.stringify(await s.call('secrets.status', {})),
      JSON.stringify(await s.call('models.downloads', {})),
      JSON.stringify(await s.call('models.list', {})),
      JSON.stringify(await s.call('settings.get', {})),
    ].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('hf_theRightOne');
  });

  it('does not send the token on after a redirect to another host', async () => {
    const server = await startModelServer({ files: { [FILES.text]: text, [FILES.mmproj]: mmproj } });
    open.push(server);
    const s = startTestServices(undefined, {
      models: { catalog: catalogFor(server, { gated: true, textUrl: server.crossHostRedirectUrl(FILES.text) }), tuning: FAST, progressIntervalMs: 0 },
    });
    open.push(s);
    await s.call('secrets.set', { name: 'huggingface-token', value: TOKEN });
    const { jobId } = await s.call('models.download', { catalogId: 'tiny-test' });
    const end = await finished(s, jobId);
    expect(end.state, end.message ?? '').toBe('completed');
    const redirected = server.requests.filter((r) => r.host.startsWith('localhost'));
    expect(redirected.length).toBeGreaterThan(0);
    expect(redirected.every((r) => r.authorization === null)).toBe(true);
    expect(server.requests.filter((r) => r.path.startsWith('/redirect/')).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('says how to get a model that has nothing to download', async () => {
    const s = startTestServices();
    open.push(s);
    const fineTune = (await s.call('models.catalog', {})).find((e) => e.fineTuned)!;
    expect(fineTune.files).toEqual([]);
    await expect(s.call('models.download', { catalogId: fineTune.id })).rejects.toThrow(/cannot be downloaded.*scripts\/convert-model/);
    await expect(s.call('models.download', { catalogId: 'no-such-model' })).rejects.toThrow(/has no model "no-such-model"/);
  });
});
