// Prints the one line CI reads: "N passed, N failed" over every test and every check step. Exit 1 on failure.
import fs from 'node:fs';

const dir = '.cache/test-results';
let passed = 0;
let failed = 0;
for (const name of ['vitest.json', 'e2e.json']) {
  const file = `${dir}/${name}`;
  if (!fs.existsSync(file)) {
    console.log(`${name}: no results (the run did not complete)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A file that failed to load has no tests but is a failure.
  failed += (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
}
if (fs.existsSync(`${dir}/steps.txt`)) {
  for (const line of fs.readFileSync(`${dir}/steps.txt`, 'utf8').split('\n').filter(Boolean)) {
    const [status, name] = line.split(' ');
    if (status === 'pass') passed += 1;
    else {
      failed += 1;
      console.log(`check failed: ${name}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
