// Report exports that cannot complete, on a review built through the real services: a folder that is a file or
// missing, an unknown review, a read-only folder, a full disk part-way through a file, a failure while moving the
// files into place, and cancel. Each ends with a clear message and the folder exactly as it was.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract';
import { nodeWriterFs, type WriterFs } from '../../electron/core/reports/atomic-writer';
import type { ReportRenderer } from '../../electron/core/reports/printer';
import { createReportService } from '../../electron/core/reports/report-service';
import type { ReportFixture } from '../fixtures/report-review';
import { reportSuite } from '../fixtures/report-suite';
import type { TestServices } from '../fixtures/services';

type Progress = EventPayload<'reports.progress'>;

describe('report export failures: a clear message and nothing left behind', () => {
  const suite = reportSuite({ frames: 2, modelAnalyses: 0 }, 'reports-fail-');
  const { newFolder, exportTo } = suite;
  let s: TestServices;
  let fx: ReportFixture;
  let tmp: string;
  let renderer: ReportRenderer;
  beforeAll(() => void ({ s, fx, tmp, renderer } = suite));

  it('refuses a folder that is really a file, or lies under one (ENOTDIR)', async () => {
    const dir = newFolder('enotdir');
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'keep me');
    for (const folder of [file, path.join(file, 'reports')]) {
      await expect(s.call('reports.export', { reviewId: fx.reviewId, folder, formats: ['pdf', 'json'] })).rejects.toThrow(/is not a folder.*Nothing was written/);
    }
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('refuses a folder that does not exist', async () => {
    await expect(s.call('reports.export', { reviewId: fx.reviewId, folder: path.join(tmp, 'nope', 'deeper'), formats: ['json'] })).rejects.toThrow(/does not exist/);
    expect(fs.existsSync(path.join(tmp, 'nope'))).toBe(false);
  });

  it('refuses an unknown review before starting a job', async () => {
    await expect(s.call('reports.export', { reviewId: 99_999, folder: tmp, formats: ['json'] })).rejects.toMatchObject({ code: 'not-found' });
  });

  it.skipIf(process.getuid?.() === 0)('a read-only folder (chmod 555): clear message, nothing written', async () => {
    const dir = newFolder('readonly');
    fs.chmodSync(dir, 0o555);
    try {
      const { end } = await exportTo(dir, ['pdf', 'html', 'json', 'csv', 'coco']);
      expect(end.state).toBe('failed');
      expect(end.message).toMatch(/cannot be written to.*Nothing was written/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  /** A report service over the same real services, whose writer's file operations fail as told. */
  function serviceWith(fsImpl: WriterFs) {
    const events: Progress[] = [];
    const service = createReportService({
      source: s.services.reviewSource,
      readFrame: (f) => fs.readFileSync(s.services.resolveFrame(f.sha256)!.file),
      renderer: () => ({ ...renderer, close: async () => {} }),
      emit: (_name, p) => events.push(p),
      appName: 'test',
      appVersion: '0',
      fs: fsImpl,
    });
    return {
      async run(folder: string) {
        const { jobId } = await service.startExport({ reviewId: fx.reviewId, folder, formats: ['pdf', 'html', 'json', 'csv', 'coco'] });
        await service.waitFor(jobId);
        await service.close();
        return events.filter((e) => e.jobId === jobId).at(-1)!;
      },
    };
  }
  const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

  it('disk full part-way through a file (ENOSPC): clear message, the folder is as it was', async () => {
    const dir = newFolder('enospc');
    fs.writeFileSync(path.join(dir, 'existing.txt'), 'x');
    let writes = 0;
    const end = await serviceWith({
      ...nodeWriterFs,
      async writeFile(p, data) {
        if (++writes === 4) {
          // Half the bytes land, then the disk is full, as a real partial write does.
          const bytes = typeof data === 'string' ? Buffer.from(data) : data;
          await fs.promises.writeFile(p, bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
          throw errno('ENOSPC');
        }
        await nodeWriterFs.writeFile(p, data);
      },
    }).run(dir);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/disk .* is full.*Nothing was written/);
    expect(fs.readdirSync(dir)).toEqual(['existing.txt']);
  });

  it('a folder that refuses writing (EACCES, EROFS): clear message, nothing written', async () => {
    for (const code of ['EACCES', 'EROFS']) {
      const dir = newFolder(`ro-${code}`);
      const end = await serviceWith({
        ...nodeWriterFs,
        mkdir: async () => {
          throw errno(code);
        },
      }).run(dir);
      expect(end.state).toBe('failed');
      expect(end.message).toMatch(/cannot be written to \(it is read-only or you lack permission\)\. Nothing was written/);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });

  it('a failure while moving the files into place takes back the ones already moved', async () => {
    const dir = newFolder('rename');
    let renames = 0;
    const end = await serviceWith({
      ...nodeWriterFs,
      async rename(a, b) {
        if (++renames === 3) throw errno('EIO');
        await nodeWriterFs.rename(a, b);
      },
    }).run(dir);
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/Nothing was written/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('cancel: the job ends cancelled and nothing is written', async () => {
    const dir = newFolder('cancel');
    const { jobId } = await s.call('reports.export', { reviewId: fx.reviewId, folder: dir, formats: ['pdf', 'html', 'coco'] });
    expect(await s.call('reports.cancel', { jobId })).toEqual({ cancelled: true });
    const end = await s.waitFor('reports.progress', (p) => p.jobId === jobId && p.state !== 'running');
    expect(end.state).toBe('cancelled');
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(await s.call('reports.cancel', { jobId })).toEqual({ cancelled: false });
  });
});
