// `npm run export` on a review built through the real services (two frames with stored analyses): every format
// written where --out says, a clear refusal to replace a file without --force, and exit codes with messages for
// bad arguments and an unknown review.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGING_PREFIX } from '../../electron/core/reports/atomic-writer';
import { buildReportFixture, type ReportFixture } from '../fixtures/report-review';
import { pdfPages, pdfText } from '../fixtures/report-readers';
import { startTestServices, type TestServices } from '../fixtures/services';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../..');

describe('npm run export (the CLI)', () => {
  let s: TestServices;
  let fx: ReportFixture;
  let tmp: string;
  const newFolder = (name: string) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    return dir;
  };
  beforeAll(async () => {
    s = startTestServices();
    fx = await buildReportFixture(s, { frames: 2, modelAnalyses: 0 });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'export-cli-'));
  }, 300_000);
  afterAll(async () => {
    await s?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    run(process.execPath, [path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(REPO, 'scripts', 'export.ts'), ...args], { cwd: REPO, timeout: 120_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('writes a PDF, CSV and COCO export from the data folder', async () => {
    const dir = newFolder('cli');
    const pdf = await cli(['--data', s.dataDir, '--review', String(fx.reviewId), '--format', 'pdf', '--out', path.join(dir, 'case.pdf')]);
    expect(pdf.code, pdf.stderr).toBe(0);
    expect(pdfText(path.join(dir, 'case.pdf'))).toContain(fx.caseCode);
    expect(pdfPages(path.join(dir, 'case.pdf'))).toBe(fx.frames.length + 2);

    const csv = await cli(['--data', s.dataDir, '--review', String(fx.reviewId), '--format', 'csv', '--out', path.join(dir, 'tables')]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'tables')).sort()).toEqual(['analyses.csv', 'annotations.csv', 'timeline.csv']);

    const coco = await cli(['--data', s.dataDir, '--review', String(fx.reviewId), '--format', 'coco', '--out', path.join(dir, 'coco'), '--include', 'reviewer']);
    expect(coco.code, coco.stderr).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'coco', 'images'))).toHaveLength(fx.frames.length);
    expect(fs.readdirSync(dir).some((n) => n.startsWith(STAGING_PREFIX))).toBe(false);

    const again = await cli(['--data', s.dataDir, '--review', String(fx.reviewId), '--format', 'pdf', '--out', path.join(dir, 'case.pdf')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists\. Add --force/);
  }, 240_000);

  it('says what is wrong with bad arguments', async () => {
    const bad = await cli(['--data', s.dataDir, '--review', String(fx.reviewId), '--format', 'docx', '--out', path.join(tmp, 'x.docx')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of pdf, html, json, csv, coco/);
    const missing = await cli(['--data', s.dataDir, '--review', '424242', '--format', 'json', '--out', path.join(tmp, 'x.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Review 424242 does not exist/);
    expect(fs.existsSync(path.join(tmp, 'x.json'))).toBe(false);
  }, 120_000);
});
