// `npm run export -- --data DIR --review ID --format pdf|html|json|csv|coco|mp4 --out PATH [options]`
// Exports one review without the app, through the same report service (PDF by playwright-core + the system
// Chromium). --out is the file for pdf, html and json, and a folder (created) for csv (annotations.csv,
// analyses.csv, timeline.csv) and coco (annotations.json, images/). Written all or nothing. mp4: a teaching clip
// (lib/export-clip.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkstationError } from '../electron/api/errors';
import { ReportFields, ReportFormat, type ReportOptions } from '../electron/api/schemas-reports';
import { createAppServices, libraryFile } from '../electron/core/app-services';
import { appRoot } from '../electron/core/paths';
import { writeAtomically, type OutputFile } from '../electron/core/reports/atomic-writer';
import { createReportService } from '../electron/core/reports/report-service';
import { createChromiumRenderer } from '../electron/core/reports/chromium-printer';
import { fail, parseCommandLineOrExit } from './lib/cli';
import { CLIP_OPTIONS, CLIP_USAGE, clipOptions, exportClip, type ClipArgs } from './lib/export-clip';
import { nodeServiceOptions } from '../electron/host/node-services';

const USAGE = `Usage: npm run export -- --data DIR --review ID --format pdf|html|json|csv|coco|mp4 --out PATH
  [--include surgeon,reviewer,fileNames,caseNotes,thinking,timelineFrames] [--exclude surgeryDate,notes,audit]
  [--paper A4|Letter] [--force]
--out is the file for pdf, html and json; a folder for csv and coco. --force replaces an existing one.
Reports are de-identified by default: names, file names and case notes are only included with --include.
${CLIP_USAGE}`;

const FIELD_NAMES = Object.keys(ReportFields.shape) as (keyof ReportFields)[];

function fieldList(value: string | undefined, flag: string): (keyof ReportFields)[] {
  if (!value) return [];
  return value.split(',').map((raw) => {
    const name = raw.trim() as keyof ReportFields;
    if (!FIELD_NAMES.includes(name)) fail(`${flag}: unknown field "${raw}". Fields: ${FIELD_NAMES.join(', ')}.\n${USAGE}`);
    return name;
  });
}

/** The rendered files renamed to what --out asks for. */
function rename(files: OutputFile[], format: ReportFormat, base: string, outName: string): OutputFile[] {
  if (format === 'pdf' || format === 'html' || format === 'json') return files.map((f) => ({ ...f, path: outName }));
  if (format === 'csv') {
    return files.map((f) => ({ ...f, path: `${outName}/${f.path.slice(`${base}-`.length)}` })); // annotations.csv, analyses.csv, timeline.csv
  }
  return files.map((f) => ({ ...f, path: `${outName}/${f.path.slice(`${base}-coco/`.length)}` }));
}

function appVersion(): string {
  const root = appRoot(path.dirname(fileURLToPath(import.meta.url)));
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

async function main() {
  const { values } = parseCommandLineOrExit(
    {
      options: {
        data: { type: 'string' },
        review: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        include: { type: 'string' },
        exclude: { type: 'string' },
        paper: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean' },
        ...CLIP_OPTIONS,
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const data = values.data as string | undefined;
  const out = values.out as string | undefined;
  if (!data || !values.review || !values.format || !out) fail(`--data, --review, --format and --out are required.\n${USAGE}`);
  const reviewId = Number(values.review);
  if (!Number.isInteger(reviewId) || reviewId <= 0) fail(`--review must be a review id (a positive whole number).\n${USAGE}`);
  if (values.format === 'mp4') {
    const options = clipOptions(values as ClipArgs);
    const dataDir = path.resolve(data);
    if (!fs.existsSync(libraryFile(dataDir))) fail(`No library in ${dataDir} (library.sqlite is missing). Give the app's data folder with --data.`, 1);
    const services = createAppServices(nodeServiceOptions(dataDir, appVersion(), () => {}));
    try {
      process.exitCode = await exportClip(services, reviewId, options, out, Boolean(values.force));
    } finally {
      await services.close();
    }
    return;
  }
  const format = ReportFormat.safeParse(values.format);
  if (!format.success) fail(`--format must be one of pdf, html, json, csv, coco, mp4.\n${USAGE}`);
  const paper = (values.paper as string | undefined) ?? 'A4';
  if (paper !== 'A4' && paper !== 'Letter') fail(`--paper must be A4 or Letter.\n${USAGE}`);
  const dataDir = path.resolve(data);
  if (!fs.existsSync(libraryFile(dataDir))) fail(`No library in ${dataDir} (library.sqlite is missing). Give the app's data folder with --data.`, 1);

  const fields: Partial<ReportFields> = {};
  for (const f of fieldList(values.include as string | undefined, '--include')) fields[f] = true;
  for (const f of fieldList(values.exclude as string | undefined, '--exclude')) fields[f] = false;
  const options: ReportOptions = { fields, paperSize: paper };

  const target = path.resolve(out);
  const folder = path.dirname(target);
  const outName = path.basename(target);
  const isDir = fs.existsSync(target) && fs.statSync(target).isDirectory();
  const emptyDir = isDir && fs.readdirSync(target).length === 0;
  const singleFile = format.data === 'pdf' || format.data === 'html' || format.data === 'json';
  if (singleFile && isDir) fail(`${target} is a folder; give the file to write, e.g. ${path.join(target, `review-${reviewId}.${format.data}`)}.`);
  if (fs.existsSync(target) && !values.force && !emptyDir) fail(`${target} already exists. Add --force to replace it.`, 1);

  const version = appVersion();
  const services = createAppServices(nodeServiceOptions(dataDir, version, () => {}));
  const reports = createReportService({
    source: services.reviewSource,
    readFrame: (f) => {
      const file = services.resolveFrame(f.sha256);
      if (!file) throw new Error('missing');
      return fs.readFileSync(file.file);
    },
    renderer: () => createChromiumRenderer(),
    emit: () => {},
    appName: 'Cataract Review Workstation',
    appVersion: version,
    // The app's own cache of print renditions: an export the app already made (or previewed) is quick here too.
    cacheDir: path.join(dataDir, 'cache', 'report-images'),
  });
  const started = Date.now();
  try {
    const report = await reports.prepare(reviewId, options);
    const base = 'report';
    const files = rename(await reports.renderFiles(report, [format.data], base, (step) => console.log(`${step}…`)), format.data, base, outName);
    const written = await writeAtomically(folder, files, { overwrite: Boolean(values.force) || emptyDir });
    const size = files.reduce((n, f) => n + (typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.byteLength), 0);
    console.log(`Wrote ${written.join(', ')} (${files.length} file${files.length === 1 ? '' : 's'}, ${(size / 1024).toFixed(1)} KiB) in ${Date.now() - started} ms.`);
  } catch (err) {
    const message = err instanceof WorkstationError ? err.message : `Export failed: ${(err as Error).message}`;
    console.error(message);
    process.exitCode = 1;
  } finally {
    await reports.close();
    await services.close();
  }
}

void main();
