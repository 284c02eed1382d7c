#!/usr/bin/env node
// Builds llama.cpp's own tools from the llama.cpp source node-llama-cpp bundles (the same release the app runs):
// llama-server for the hand-run parity check against a real peer (npm run parity:llama-server), llama-quantize for
// the full-size test model (npm run make-test-model -- --full-size) and llama-mtmd-cli, the reference the full-size
// benchmark compares the app's image encode with. Not part of CI: it compiles ggml, llama, mtmd and the server
// (18 minutes on the 2-core build machine while tests ran beside it; the two other tools add about a minute).
// No web UI (the check needs the HTTP API only) and no network during the build.
//   out: .cache/llama-server/<release>/bin/{llama-server,llama-quantize,llama-mtmd-cli}
// Usage: node scripts/parity/build-llama-server.mjs [--jobs N] [--force]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOG = '[build-llama-server]';

function fail(message) {
  console.error(`${LOG} ${message}`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const jobsAt = argv.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(argv[jobsAt + 1]) : 2;
if (!Number.isInteger(jobs) || jobs < 1) fail('--jobs must be a positive integer');
const force = argv.includes('--force');

const infoFile = path.join(ROOT, 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json');
if (!fs.existsSync(infoFile)) fail('node_modules/node-llama-cpp is missing: run npm install first.');
const release = JSON.parse(fs.readFileSync(infoFile, 'utf8')).tag;
const src = path.join(ROOT, '.cache', 'llama.cpp-src', release);
if (!fs.existsSync(path.join(src, 'tools', 'server', 'server.cpp'))) {
  fail(`llama.cpp ${release}'s source is not unpacked in ${path.relative(ROOT, src)}: run npm run build:native first (it unpacks it).`);
}
const out = path.join(ROOT, '.cache', 'llama-server', release);
const TARGETS = ['llama-server', 'llama-quantize', 'llama-mtmd-cli'];
const binaries = TARGETS.map((t) => path.join(out, 'bin', process.platform === 'win32' ? `${t}.exe` : t));
if (binaries.every((b) => fs.existsSync(b)) && !force) {
  console.log(`${LOG} up to date: ${binaries.map((b) => path.relative(ROOT, b)).join(', ')}`);
  process.exit(0);
}

function run(cmd, args) {
  console.log(`${LOG} ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) fail(`${cmd} could not start: ${r.error.message} (install cmake and a C++ compiler)`);
  if (r.status !== 0) fail(`${cmd} failed (exit ${r.status})`);
}

const started = Date.now();
run('cmake', [
  '-S', src, '-B', out,
  '-DCMAKE_BUILD_TYPE=Release',
  '-DBUILD_SHARED_LIBS=OFF',
  '-DLLAMA_BUILD_SERVER=ON', '-DLLAMA_BUILD_TOOLS=ON',
  '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_BUILD_UI=OFF', '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF',
  '-DGGML_NATIVE=ON',
]);
run('cmake', ['--build', out, '--target', ...TARGETS, '-j', String(jobs)]);
const missing = binaries.filter((b) => !fs.existsSync(b));
if (missing.length) fail(`the build finished but ${missing.join(', ')} is not there`);
console.log(`${LOG} built ${binaries.map((b) => path.relative(ROOT, b)).join(', ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
