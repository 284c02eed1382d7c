// `npm run check-library -- [--data DIR] [--json]`: verifies every frame of a library against its row (the file is
// there, has the recorded size and sha256) and lists the damaged ones with their case, review and frame, so they can
// be captured again or restored from a backup. Opens the library read-only; changes nothing.
// Exit codes: 0 every frame is whole, 1 damaged frames (or no library), 2 wrong arguments.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { libraryFile } from '../electron/core/app-services';
import { checkFrames, PROBLEM_TEXT } from '../electron/core/frames/check-frames';
import { createFrameStore } from '../electron/core/frames/frame-store';
import { defaultDataDir } from '../electron/core/paths';
import { fail, parseCommandLineOrExit } from './lib/cli';

const USAGE = 'Usage: npm run check-library -- [--data DIR] [--json]';
const { values } = parseCommandLineOrExit({ options: { data: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } }, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const dataDir = path.resolve(values.data ?? defaultDataDir());
const file = libraryFile(dataDir);
if (!fs.existsSync(file)) fail(`No library in ${dataDir} (library.sqlite is missing). Give the app's data folder with --data.`, 1);

const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
const started = Date.now();
let report;
try {
  report = checkFrames(db, createFrameStore(dataDir));
} finally {
  db.close();
}
if (values.json) {
  console.log(JSON.stringify({ dataDir, ...report, ms: Date.now() - started }));
} else {
  console.log(`Checked ${report.frames} frame${report.frames === 1 ? '' : 's'} (${report.files} stored file${report.files === 1 ? '' : 's'}) in ${Date.now() - started} ms.`);
  for (const d of report.damaged) {
    const where = d.reviewId !== null ? `review ${d.reviewId}, frame ${d.frameIndex}` : 'still image';
    const size = d.actualBytes === null ? '' : ` (${d.actualBytes} of ${d.expectedBytes} bytes)`;
    console.log(`  DAMAGED frame ${d.frameId} (case ${d.caseId}, ${where}): ${PROBLEM_TEXT[d.problem]}${size}`);
  }
  if (report.unreferencedFiles.length) console.log(`${report.unreferencedFiles.length} stored file(s) belong to no frame (harmless leftovers).`);
  console.log(report.damaged.length ? `${report.damaged.length} damaged frame(s): capture them again or restore a backup.` : 'Every frame is whole.');
}
process.exit(report.damaged.length ? 1 : 0);
