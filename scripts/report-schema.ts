// `npm run report-schema -- [--check]`: writes resources/report-schema/review-report-v1.schema.json (JSON Schema
// 2020-12) from the zod schema of the JSON report (electron/api/schemas-reports.ts). --check only compares and
// exits 1 when the file is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportJsonSchemaText } from '../electron/core/reports/report-json-schema';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(root, 'resources', 'report-schema', 'review-report-v1.schema.json');
const text = reportJsonSchemaText();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(root, file)} is out of date: run npm run report-schema`);
    process.exit(1);
  }
  console.log(`${path.relative(root, file)} is up to date.`);
} else {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  console.log(`Wrote ${path.relative(root, file)}`);
}
