// `npm run crash-test -- [--kills 50] [--max-delay-ms 400] [--seed N] [--keep]`: SIGKILL a writer of annotations and
// frame captures at random moments and check after each kill that the library is intact, holds every acknowledged
// annotation and captured frame, and that every frame row has a whole, verified file.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashTest } from './crash/crash-harness';

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '50' }, 'max-delay-ms': { type: 'string', default: '400' }, seed: { type: 'string' }, keep: { type: 'boolean' } },
});
const kills = Number(values.kills);
const maxDelayMs = Number(values['max-delay-ms']);
if (!Number.isInteger(kills) || kills < 1 || !Number.isFinite(maxDelayMs) || maxDelayMs < 0) {
  console.error('Usage: npm run crash-test -- [--kills N] [--max-delay-ms MS] [--seed N] [--keep]');
  process.exit(2);
}
const started = Date.now();
const result = await runCrashTest({
  kills,
  maxDelayMs,
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  log: (line) => console.log(line),
});
const landed = result.rounds.filter((r) => r.inFlight === 'landed').length;
console.log(
  `\n${kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.totalAcknowledged} writes acknowledged, ` +
    `${result.annotations} annotations and ${result.frames} captured frames (every file whole) in the library, ${landed} unacknowledged in-flight writes landed (allowed), ` +
    `integrity ok in ${result.rounds.filter((r) => r.integrity === 'ok').length}/${kills} rounds.`,
);
if (result.failures.length || values.keep) console.log(`Library: ${result.file}`);
else fs.rmSync(path.dirname(result.file), { recursive: true, force: true });
if (result.failures.length) {
  console.error(`FAILED:\n${result.failures.slice(0, 50).join('\n')}`);
  process.exit(1);
}
console.log('PASS: every acknowledged annotation and captured frame survived every kill, exactly, and every frame file is whole.');
