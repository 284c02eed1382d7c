// npm start: the desktop app when Electron's binary is installed, the browser host otherwise.
// With Electron: build when the sources are newer than dist/, rebuild native modules (better-sqlite3) for
// Electron's ABI, and record that in .cache/native-runtime.json so `npm test` can rebuild them for Node.
// Arguments after `npm start --` go to the app (e.g. `npm start -- --data /tmp/library`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const appArgs = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const NATIVE_MARKER = path.join(root, '.cache', 'native-runtime.json');

/**
 * The Electron executable, or null when it is not installed. Resolved by hand: requiring the `electron`
 * package tries to download the binary when it is missing, which must not happen here.
 */
function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  let full = null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) full = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
  else if (rel) full = path.join(dir, 'dist', rel);
  return full && fs.existsSync(full) ? full : null;
}

function electronVersion() {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Runs a long-lived child with our stdio, passes Ctrl-C / SIGTERM on, and exits with its code. */
function handOver(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' && cmd.endsWith('.cmd') });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    console.error(`Could not start ${cmd}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'build' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (/\.(ts|tsx|mts|css|html|json|svg)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsStale() {
  const outputs = ['dist/main/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'dist/inference/worker-main.js'].map((f) => path.join(root, f));
  if (outputs.some((f) => !fs.existsSync(f))) return true;
  const oldestOutput = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
  const newestSource = Math.max(newestMtime(path.join(root, 'electron')), newestMtime(path.join(root, 'renderer')), newestMtime(path.join(root, 'resources')));
  return newestSource > oldestOutput;
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(NATIVE_MARKER, 'utf8'));
  } catch {
    return null;
  }
}

function writeMarker(state) {
  fs.mkdirSync(path.dirname(NATIVE_MARKER), { recursive: true });
  fs.writeFileSync(NATIVE_MARKER, `${JSON.stringify({ ...state, modules: ['better-sqlite3'], at: new Date().toISOString() }, null, 2)}\n`);
}

function nodeCanLoadBetterSqlite() {
  const probe = spawnSync(process.execPath, ['-e', "require('better-sqlite3')(':memory:').close()"], { cwd: root, stdio: 'ignore' });
  return probe.status === 0;
}

/** Native modules built for Electron's ABI, once per Electron version; the marker says so for `npm test`. */
function ensureNativeForElectron() {
  const version = electronVersion();
  const marker = readMarker();
  // `npm test` rebuilds better-sqlite3 for Node when it cannot load it; a copy Node can load is not Electron's.
  if (marker?.runtime === 'electron' && marker.electronVersion === version && !nodeCanLoadBetterSqlite()) return;
  // Written first: if the rebuild stops half way, `npm test` still knows the Node build must be restored.
  writeMarker({ runtime: 'electron-rebuilding', electronVersion: version });
  console.log(`Rebuilding native modules for Electron ${version} (electron-builder install-app-deps)…`);
  if (run(npx, ['electron-builder', 'install-app-deps']) !== 0) {
    console.error('Rebuilding native modules for Electron failed; see the output above.');
    process.exit(1);
  }
  writeMarker({ runtime: 'electron', electronVersion: version });
}

function main() {
  if (buildIsStale()) {
    console.log('Sources changed since the last build; building…');
    if (run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]) !== 0) process.exit(1);
  }
  const electron = electronBinary();
  if (!electron) {
    console.log("Electron's binary is not installed on this machine; starting the browser host instead (open the URL below).");
    handOver(npm, ['run', 'serve', ...(appArgs.length ? ['--', ...appArgs] : [])]);
    return;
  }
  ensureNativeForElectron();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would start Electron as plain Node
  handOver(electron, [root, ...appArgs], env);
}

main();
