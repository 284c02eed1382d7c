// The department server's web view (renderer/department: React, its own index.html) into dist/department/, with
// esbuild: main.js, main.css and index.html, no inline script or style (the server sends a strict CSP).
// Run by scripts/build.mjs; alone: node scripts/build-department-web.mjs [--out DIR] [--quiet].
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEPARTMENT_WEB_SOURCE = path.join(root, 'renderer', 'department');

/** Builds the web view into outDir (default dist/department), replacing what was there. Returns its files. */
export async function buildDepartmentWeb({ outDir = path.join(root, 'dist', 'department'), quiet = false } = {}) {
  const esbuild = await import('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(DEPARTMENT_WEB_SOURCE, 'main.tsx')],
    outfile: path.join(outDir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: quiet ? 'error' : 'warning',
    metafile: true,
  });
  fs.copyFileSync(path.join(DEPARTMENT_WEB_SOURCE, 'index.html'), path.join(outDir, 'index.html'));
  return [...Object.keys(result.metafile.outputs), path.relative(root, path.join(outDir, 'index.html'))];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1] ?? '') : undefined;
  buildDepartmentWeb({ ...(out ? { outDir: out } : {}), quiet: args.includes('--quiet') }).then(
    (files) => {
      if (!args.includes('--quiet')) console.log(`Department web view: ${files.join(', ')}`);
    },
    (err) => {
      console.error(`Department web view build failed: ${err?.message ?? err}`);
      process.exitCode = 1;
    },
  );
}
