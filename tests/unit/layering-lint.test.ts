// The layering rules of eslint.config.js, checked on planted violations (each must be reported) and on clean
// files (which must report nothing), so the test fails if the rules stop working or start over-reaching.
import { ESLint } from 'eslint';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'tests/fixtures/lint');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.js'), ignore: false });
});

async function lintAs(fixture: string, pretendPath: string) {
  const code = fs.readFileSync(path.join(fixtures, fixture), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: path.join(root, pretendPath) });
  return result!.messages;
}

const violations: Array<[fixture: string, pretendPath: string, mentions: RegExp]> = [
  ['renderer-imports-core.ts', 'renderer/src/planted.ts', /only the contract/],
  ['renderer-imports-main.ts', 'renderer/src/review/planted.tsx', /only the contract/],
  ['core-imports-electron.ts', 'electron/core/db/planted.ts', /Only electron\/main and electron\/preload may import electron/],
  ['core-imports-main.ts', 'electron/core/planted.ts', /never import Electron main/],
  ['inference-imports-core.ts', 'electron/inference/engines/planted.ts', /Inference never imports core/],
  ['api-imports-core.ts', 'electron/api/planted.ts', /imports nothing from the rest of the project/],
  ['api-imports-package.ts', 'electron/api/planted.ts', /no package but zod|no Node built-ins/],
];

describe('layering lint', () => {
  it.each(violations)('%s (as %s) is reported', async (fixture, pretendPath, mentions) => {
    const messages = await lintAs(fixture, pretendPath);
    const layering = messages.filter((m) => m.ruleId === 'no-restricted-imports');
    expect(layering.length).toBeGreaterThan(0);
    expect(layering.map((m) => m.message).join('\n')).toMatch(mentions);
    // The planted import is on line 2 of every fixture.
    expect(layering.every((m) => m.line === 2)).toBe(true);
    // Nothing else is wrong with the fixture: the report is about layering only.
    expect(messages.filter((m) => m.ruleId !== 'no-restricted-imports')).toEqual([]);
  });

  it.each([
    ['clean-renderer.ts', 'renderer/src/planted.ts'],
    ['clean-core.ts', 'electron/core/planted.ts'],
    ['clean-inference.ts', 'electron/inference/engines/planted.ts'],
    ['clean-api.ts', 'electron/api/planted.ts'],
  ])('%s (as %s) reports nothing', async (fixture, pretendPath) => {
    expect(await lintAs(fixture, pretendPath)).toEqual([]);
  });

  it('allows electron in main and preload, and nowhere else', async () => {
    const code = "import { app } from 'electron';\nexport const planted = app;\n";
    const lint = async (p: string) => (await eslint.lintText(code, { filePath: path.join(root, p) }))[0]!.messages.map((m) => m.ruleId);
    expect(await lint('electron/main/planted.ts')).toEqual([]);
    expect(await lint('electron/preload/planted.ts')).toEqual([]);
    for (const p of ['electron/inference/planted.ts', 'electron/host/planted.ts', 'renderer/src/planted.ts', 'scripts/planted.mjs', 'tests/unit/planted.ts']) {
      expect(await lint(p), p).toEqual(['no-restricted-imports']);
    }
  });

  it('keeps the planted fixtures out of the normal lint run', async () => {
    const normal = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.js') });
    expect(await normal.isPathIgnored(path.join(fixtures, 'core-imports-electron.ts'))).toBe(true);
  });
});
