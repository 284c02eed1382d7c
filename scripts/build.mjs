// npm run build: the renderer (vite) and the Node-side bundles (esbuild) into dist/.
//   dist/renderer/            the sandboxed UI (renderer/vite.config.ts)
//   dist/main/main.js         Electron main (ESM)
//   dist/preload/preload.cjs  the sandboxed preload (one CommonJS file)
//   dist/inference/worker-main.js  the inference process (ESM)
//   dist/host/cli.js          the browser host (ESM)
//   dist/department/          the department server's web view (scripts/build-department-web.mjs)
// Options: --skip-renderer (Node bundles only), --quiet.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDepartmentWeb } from './build-department-web.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const log = (...m) => {
  if (!quiet) console.log(...m);
};

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// Native and runtime packages stay in node_modules (electron-builder ships production dependencies).
const nodeExternals = [...new Set(['electron', 'better-sqlite3', 'node-llama-cpp', ...Object.keys(pkg.dependencies ?? {})])];
// Subpath imports (zod/v4, node-llama-cpp/…) are external too.
const externalPatterns = nodeExternals.flatMap((name) => [name, `${name}/*`]);

// ESM bundles that contain CommonJS code (require of node builtins) need a real `require`.
const esmBanner = [
  "import { createRequire as __workstationCreateRequire } from 'node:module';",
  'const require = __workstationCreateRequire(import.meta.url);',
].join('\n');

function formatSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

async function buildRenderer() {
  const configFile = path.join(root, 'renderer', 'vite.config.ts');
  if (!fs.existsSync(path.join(root, 'renderer', 'index.html'))) throw new Error('renderer/index.html is missing: there is no renderer to build.');
  if (!fs.existsSync(configFile)) throw new Error('renderer/vite.config.ts is missing.');
  const { build } = await import('vite');
  await build({
    configFile,
    logLevel: quiet ? 'warn' : 'info',
    // The rest of the app expects the renderer exactly here, whatever the config says.
    build: { outDir: path.join(dist, 'renderer'), emptyOutDir: true },
  });
}

function bundles() {
  const common = { bundle: true, sourcemap: true, logLevel: 'warning', metafile: true, absWorkingDir: root, legalComments: 'none' };
  const node = { ...common, platform: 'node', target: 'node22', format: 'esm', external: externalPatterns, banner: { js: esmBanner } };
  return [
    { name: 'main', required: true, options: { ...node, entryPoints: ['electron/main/main.ts'], outfile: 'dist/main/main.js' } },
    {
      name: 'preload',
      required: true,
      options: {
        ...common,
        // A sandboxed preload is a browser-like script with a small require(): one CommonJS file, electron only.
        platform: 'browser',
        target: 'chrome130',
        format: 'cjs',
        // It is parsed on every window load; zod makes it large, so ship it minified (the source map stays).
        minify: true,
        external: ['electron'],
        entryPoints: ['electron/preload/preload.ts'],
        outfile: 'dist/preload/preload.cjs',
      },
    },
    { name: 'inference worker', required: false, options: { ...node, entryPoints: ['electron/inference/worker-main.ts'], outfile: 'dist/inference/worker-main.js' } },
    { name: 'browser host', required: false, options: { ...node, entryPoints: ['electron/host/cli.ts'], outfile: 'dist/host/cli.js' } },
  ];
}

async function buildBundles() {
  const esbuild = await import('esbuild');
  const outputs = [];
  for (const b of bundles()) {
    const entry = path.join(root, b.options.entryPoints[0]);
    if (!fs.existsSync(entry)) {
      if (b.required) throw new Error(`${path.relative(root, entry)} is missing.`);
      console.warn(`warning: ${path.relative(root, entry)} does not exist yet; the ${b.name} bundle was skipped.`);
      continue;
    }
    const result = await esbuild.build(b.options);
    for (const [file, info] of Object.entries(result.metafile.outputs)) outputs.push([file, info.bytes]);
  }
  return outputs;
}

function listSizes(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const rows = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) rows.push(...listSizes(path.join(dir, entry.name), rel));
    else rows.push([rel, fs.statSync(path.join(dir, entry.name)).size]);
  }
  return rows;
}

async function main() {
  const started = Date.now();
  if (args.has('--skip-renderer')) log('Renderer skipped (--skip-renderer).');
  else {
    await buildRenderer();
    await buildDepartmentWeb({ quiet: true });
  }
  const outputs = await buildBundles();

  log('\nBundles:');
  for (const [file, bytes] of outputs) log(`  ${file.padEnd(40)} ${formatSize(bytes).padStart(10)}`);
  const renderer = listSizes(path.join(dist, 'renderer')).filter(([f]) => !f.endsWith('.map'));
  if (renderer.length) {
    log('Renderer (dist/renderer, without source maps):');
    for (const [file, bytes] of renderer) log(`  ${file.padEnd(40)} ${formatSize(bytes).padStart(10)}`);
    log(`  ${'total'.padEnd(40)} ${formatSize(renderer.reduce((n, [, b]) => n + b, 0)).padStart(10)}`);
  }
  log(`\nBuilt in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main().catch((err) => {
  console.error(`Build failed: ${err?.message ?? err}`);
  if (err?.errors?.length === undefined && err?.stack && !quiet) console.error(err.stack);
  process.exitCode = 1;
});
