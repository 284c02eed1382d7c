#!/usr/bin/env node
// Builds the mtmd image addon (electron/inference/native): llama.cpp's mtmd, compiled from the llama.cpp
// source node-llama-cpp bundles, plus our N-API glue, linked against node-llama-cpp's PREBUILT
// libllama/libggml. One object set; one .node per chosen node-llama-cpp binary variant:
//   electron/inference/native/build/<platform>-<arch>/mtmd-addon.<variant>.node   (variant: v0.4.0, cuda.v0.4.0, …)
//
// Usage: node scripts/build-native.mjs [--variants all|auto|cpu,cuda,…] [--force] [--if-missing] [--jobs N]
//   --variants    auto (default): the variants this machine can use (CPU always; CUDA, Vulkan, Metal when
//                 detected: scripts/lib/native-variants.mjs); all: every installed variant (release, packaging);
//                 or a list of cpu, cuda, vulkan, metal (cpu is always added)
//   --force       rebuild even when the outputs are up to date
//   --if-missing  for postinstall: build only when outputs are missing or stale, and never fail
//                 (print a warning and exit 0 when the addon cannot be built)
// Plain Node ESM on purpose: it runs before anything else is built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent, describeSelection, detectGpuFacts, parseVariantsOption, selectVariants } from './lib/native-variants.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_DIR = path.join(ROOT, 'electron', 'inference', 'native');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const NLC_DIR = path.join(NODE_MODULES, 'node-llama-cpp');
const LOG = '[build-native]';

class BuildError extends Error {}

function parseArgs(argv) {
  const args = { force: false, ifMissing: false, jobs: 2, variants: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') args.force = true;
    else if (a === '--if-missing') args.ifMissing = true;
    else if (a === '--jobs' || a === '-j') args.jobs = Number(argv[++i]);
    else if (a.startsWith('--jobs=')) args.jobs = Number(a.slice('--jobs='.length));
    else if (a === '--variants') args.variants = argv[++i];
    else if (a.startsWith('--variants=')) args.variants = a.slice('--variants='.length);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/build-native.mjs [--variants all|auto|cpu,cuda,vulkan,metal] [--force] [--if-missing] [--jobs N]');
      process.exit(0);
    } else throw new BuildError(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new BuildError('--jobs must be a positive integer');
  try {
    args.variants = parseVariantsOption(args.variants);
  } catch (error) {
    throw new BuildError(error.message);
  }
  return args;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return r;
}

function has(cmd, args = ['--version']) {
  const r = run(cmd, args);
  return !r.error && r.status === 0 ? r.stdout || r.stderr || 'ok' : null;
}

function installHint(what) {
  const hints = {
    cmake: {
      linux: 'sudo apt-get install cmake   (Debian/Ubuntu package "cmake", 3.21 or newer)',
      mac: 'brew install cmake',
      win: 'install CMake (cmake.org) or Visual Studio\'s "C++ CMake tools for Windows"',
    },
    compiler: {
      linux: 'sudo apt-get install build-essential   (Debian/Ubuntu: g++ and make)',
      mac: 'xcode-select --install',
      win: 'install Visual Studio Build Tools with the "Desktop development with C++" workload',
    },
    git: {
      linux: 'sudo apt-get install git',
      mac: 'xcode-select --install   (or brew install git)',
      win: 'install Git for Windows (git-scm.com)',
    },
    headers: {
      linux: 'sudo apt-get install libnode-dev   (Debian; NodeSource\'s "nodejs" package ships /usr/include/node too), or reinstall so node_modules/node-api-headers exists',
      mac: 'reinstall so node_modules/node-api-headers exists',
      win: 'reinstall so node_modules/node-api-headers exists',
    },
  };
  return hints[what][platformName()] ?? '';
}

function platformName() {
  return { linux: 'linux', darwin: 'mac', win32: 'win' }[process.platform];
}

function archName() {
  return process.arch === 'arm' ? 'armv7l' : process.arch;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// node-llama-cpp's prebuilt binary packages for this platform/arch that are installed, with the
// variant named by their libllama file (libllama.<variant>.so / .dylib, llama.<variant>.dll).
function findVariants(platform, arch, release) {
  const scope = path.join(NODE_MODULES, '@node-llama-cpp');
  if (!fs.existsSync(scope)) return [];
  const base = `${platform}-${arch}`;
  const pattern = new RegExp(`^${base}(-(cuda|vulkan|metal))?$`);
  const libPattern =
    platform === 'win' ? /^llama\.(.+)\.dll$/ : platform === 'mac' ? /^libllama\.(.+)\.dylib$/ : /^libllama\.(.+)\.so$/;
  const variants = [];
  for (const name of fs.readdirSync(scope).sort()) {
    if (!pattern.test(name)) continue;
    const bins = path.join(scope, name, 'bins', name);
    if (!fs.existsSync(bins)) continue;
    const metaFile = path.join(bins, '_nlcBuildMetadata.json');
    if (fs.existsSync(metaFile)) {
      const meta = readJson(metaFile);
      const binRelease = meta?.buildOptions?.llamaCpp?.release;
      if (binRelease && binRelease !== release) {
        console.warn(`${LOG} skipping @node-llama-cpp/${name}: built from llama.cpp ${binRelease}, node-llama-cpp bundles ${release}`);
        continue;
      }
    }
    for (const file of fs.readdirSync(bins)) {
      const m = libPattern.exec(file);
      if (!m) continue;
      const libllama = path.join(bins, file);
      variants.push({ variant: m[1], packageName: `@node-llama-cpp/${name}`, bins, libllama, libllamaSize: fs.statSync(libllama).size });
    }
  }
  return variants;
}

function findNodeApiHeaders() {
  const candidates = [
    path.join(NODE_MODULES, 'node-api-headers', 'include'),
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h'))) ?? null;
}

function newestMtime(files) {
  let newest = 0;
  for (const f of files) newest = Math.max(newest, fs.statSync(f).mtimeMs);
  return newest;
}

function sourceInputs() {
  const src = path.join(NATIVE_DIR, 'src');
  return [
    path.join(NATIVE_DIR, 'CMakeLists.txt'),
    fileURLToPath(import.meta.url),
    fileURLToPath(new URL('./lib/native-variants.mjs', import.meta.url)),
    ...fs.readdirSync(src).map((f) => path.join(src, f)),
  ];
}

function readBuildInfo(outDir) {
  try {
    return readJson(path.join(outDir, 'build-info.json'));
  } catch {
    return null;
  }
}

function upToDate(outDir, manifest, variants) {
  return buildIsCurrent({
    info: readBuildInfo(outDir),
    manifest,
    chosen: variants,
    mtimeOf: (variant) => {
      const file = path.join(outDir, `mtmd-addon.${variant}.node`);
      return fs.existsSync(file) ? fs.statSync(file).mtimeMs : null;
    },
    newestSourceMtime: newestMtime(sourceInputs()),
  });
}

function ensureLlamaSource(release) {
  const dir = path.join(ROOT, '.cache', 'llama.cpp-src', release);
  if (fs.existsSync(path.join(dir, 'tools', 'mtmd', 'mtmd.h'))) return dir;
  const bundle = path.join(NLC_DIR, 'llama', 'gitRelease.bundle');
  if (!fs.existsSync(bundle)) {
    throw new BuildError(`${bundle} is missing: node-llama-cpp's bundled llama.cpp source is needed (reinstall node-llama-cpp).`);
  }
  if (!has('git')) throw new BuildError(`git is needed to unpack llama.cpp's source from node-llama-cpp. Install it: ${installHint('git')}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  console.log(`${LOG} unpacking llama.cpp ${release} from node-llama-cpp's gitRelease.bundle …`);
  const r = run('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !fs.existsSync(path.join(tmp, 'tools', 'mtmd', 'mtmd.h'))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new BuildError(`git clone of ${bundle} failed`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

function checkTools(platform) {
  const cmakeOut = has('cmake');
  if (!cmakeOut) throw new BuildError(`cmake was not found. Install it: ${installHint('cmake')}`);
  const m = /cmake version (\d+)\.(\d+)/.exec(cmakeOut);
  if (m && (Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) < 21))) {
    throw new BuildError(`cmake ${m[1]}.${m[2]} is too old (3.21 or newer is needed). Install a newer one: ${installHint('cmake')}`);
  }
  if (platform === 'linux') {
    const cxx = process.env.CXX || ['c++', 'g++', 'clang++'].find((c) => has(c));
    if (!cxx || !has(cxx)) throw new BuildError(`no C++ compiler was found (c++, g++ or clang++). Install one: ${installHint('compiler')}`);
    if (!has('make') && !has('ninja')) throw new BuildError(`neither make nor ninja was found. Install one: ${installHint('compiler')}`);
  } else if (platform === 'mac') {
    if (!has('clang++')) throw new BuildError(`no C++ compiler was found. Install one: ${installHint('compiler')}`);
  }
}

// Linux: the .node must carry no RUNPATH/RPATH, must need the variant's libllama, and must leave no
// symbol unresolved other than N-API's (provided by the host process).
function verifyLinuxOutput(file, v) {
  const readelf = run('readelf', ['-d', file]);
  if (readelf.status === 0) {
    if (/\((RUNPATH|RPATH)\)/.test(readelf.stdout)) throw new BuildError(`${file} has a RUNPATH/RPATH; it must not`);
    if (!readelf.stdout.includes(`[libllama.${v.variant}.so]`)) throw new BuildError(`${file} does not need libllama.${v.variant}.so`);
  }
  const undef = run('nm', ['-D', '--undefined-only', '--format=posix', file]);
  if (undef.status !== 0) return;
  const provided = new Set();
  for (const lib of [v.libllama, path.join(v.bins, `libggml.${v.variant}.so`), path.join(v.bins, 'libggml-base.so')]) {
    const def = run('nm', ['-D', '--defined-only', '--format=posix', lib]);
    for (const line of def.stdout.split('\n')) provided.add(line.split(' ')[0]);
  }
  const missing = [];
  for (const line of undef.stdout.split('\n')) {
    const [name, type] = line.split(' ');
    if (!name || type !== 'U') continue;
    if (name.includes('@')) continue; // versioned: libc/libstdc++/libgcc
    if (/^(napi_|node_api_)/.test(name)) continue;
    if (!provided.has(name)) missing.push(name);
  }
  if (missing.length) {
    throw new BuildError(`${path.basename(file)} needs symbols that node-llama-cpp's libraries do not export:\n  ${missing.slice(0, 20).join('\n  ')}`);
  }
}

function build(args) {
  const started = Date.now();
  const platform = platformName();
  if (!platform) throw new BuildError(`unsupported platform ${process.platform}`);
  const arch = archName();

  if (!fs.existsSync(path.join(NLC_DIR, 'package.json'))) {
    throw new BuildError('node_modules/node-llama-cpp is missing; run npm install first.');
  }
  const nodeLlamaCppVersion = readJson(path.join(NLC_DIR, 'package.json')).version;
  const llamaRelease = readJson(path.join(NLC_DIR, 'llama', 'llama.cpp.info.json')).tag;
  const manifest = { llamaRelease, nodeLlamaCppVersion, platform, arch };

  const installed = findVariants(platform, arch, llamaRelease);
  if (installed.length === 0) {
    throw new BuildError(`no node-llama-cpp prebuilt binaries for ${platform}-${arch} are installed (@node-llama-cpp/${platform}-${arch}*).`);
  }
  const outDir = path.join(NATIVE_DIR, 'build', `${platform}-${arch}`);
  const previous = readBuildInfo(outDir);
  const alreadyBuilt = (previous?.variants ?? []).map((v) => v.variant).filter((v) => fs.existsSync(path.join(outDir, `mtmd-addon.${v}.node`)));
  const facts = detectGpuFacts({ platform, arch });
  const selection = selectVariants({ installed, request: args.variants, facts, alreadyBuilt });
  if (selection.missing.length > 0) {
    throw new BuildError(`--variants asks for ${selection.missing.join(', ')}, but node-llama-cpp has no such binaries installed for ${platform}-${arch}.`);
  }
  const variants = selection.build;
  if (variants.length === 0) throw new BuildError(`none of the installed variants (${installed.map((v) => v.variant).join(', ')}) was chosen.`);
  if (!args.force && upToDate(outDir, manifest, variants)) {
    console.log(`${LOG} up to date: ${variants.map((v) => `mtmd-addon.${v.variant}.node`).join(', ')} (use --force to rebuild)`);
    return;
  }

  checkTools(platform);
  const nodeApiInclude = findNodeApiHeaders();
  if (!nodeApiInclude) throw new BuildError(`node_api.h was not found. Install the headers: ${installHint('headers')}`);
  const addonApiDir = path.join(NODE_MODULES, 'node-addon-api');
  if (!fs.existsSync(path.join(addonApiDir, 'napi.h'))) throw new BuildError('node_modules/node-addon-api is missing; run npm install.');
  const llamaSrc = ensureLlamaSource(llamaRelease);

  const buildDir = path.join(ROOT, '.cache', 'native-build', `${platform}-${arch}`);
  const useNinja = platform !== 'win' && has('ninja');
  const generator = useNinja ? 'Ninja' : platform === 'win' ? null : 'Unix Makefiles';
  const cache = path.join(buildDir, 'CMakeCache.txt');
  if (args.force || (fs.existsSync(cache) && generator && !fs.readFileSync(cache, 'utf8').includes(`CMAKE_GENERATOR:INTERNAL=${generator}\n`))) {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(outDir)) {
    if (/^mtmd-addon\..+\.node$/.test(f) && !variants.some((v) => f === `mtmd-addon.${v.variant}.node`)) fs.rmSync(path.join(outDir, f));
  }

  const configureArgs = [
    '-S', NATIVE_DIR,
    '-B', buildDir,
    ...(generator ? ['-G', generator] : []),
    '-DCMAKE_BUILD_TYPE=Release',
    `-DLLAMA_CPP_DIR=${llamaSrc}`,
    `-DLLAMA_RELEASE=${llamaRelease}`,
    `-DNODE_API_INCLUDE_DIR=${nodeApiInclude}`,
    `-DNODE_ADDON_API_DIR=${addonApiDir}`,
    `-DMTMD_VARIANTS=${variants.map((v) => `${v.variant}=${v.bins}`).join(';')}`,
    `-DMTMD_OUTPUT_DIR=${outDir}`,
  ];
  if (platform === 'win') {
    configureArgs.push('-A', arch === 'arm64' ? 'ARM64' : 'x64');
    configureArgs.push(`-DNODE_API_DEF=${path.join(NODE_MODULES, 'node-api-headers', 'def', 'node_api.def')}`);
  }
  if (platform === 'mac') configureArgs.push(`-DCMAKE_OSX_ARCHITECTURES=${arch === 'arm64' ? 'arm64' : 'x86_64'}`);

  console.log(`${LOG} llama.cpp ${llamaRelease} (node-llama-cpp ${nodeLlamaCppVersion}); --variants ${[args.variants].flat().join(',')}: ${describeSelection(facts, selection)}`);
  if (selection.skipped.length > 0) console.log(`${LOG} "npm run build:native -- --variants all" (or e.g. --variants cuda) builds the others.`);
  let r = run('cmake', configureArgs, { stdio: 'inherit' });
  if (r.status !== 0) throw new BuildError('cmake configure failed (see above)');
  r = run('cmake', ['--build', buildDir, '--config', 'Release', '--parallel', String(args.jobs)], { stdio: 'inherit' });
  if (r.status !== 0) throw new BuildError('cmake build failed (see above)');

  const outputs = [];
  for (const v of variants) {
    const file = path.join(outDir, `mtmd-addon.${v.variant}.node`);
    if (!fs.existsSync(file)) throw new BuildError(`expected output ${file} was not produced`);
    if (platform === 'linux') verifyLinuxOutput(file, v);
    outputs.push({ variant: v.variant, file: path.basename(file), package: v.packageName, libllamaSize: v.libllamaSize });
  }
  const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
  const info = { ...manifest, requested: args.variants, variants: outputs, skipped: selection.skipped, builtAt: new Date().toISOString(), buildSeconds };
  const infoFile = path.join(outDir, 'build-info.json');
  fs.writeFileSync(`${infoFile}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  fs.renameSync(`${infoFile}.tmp`, infoFile);
  console.log(`${LOG} built ${outputs.map((o) => o.file).join(', ')} in ${path.relative(ROOT, outDir)} (${buildSeconds} s)`);
}

let args = { ifMissing: process.argv.includes('--if-missing') };
try {
  args = parseArgs(process.argv.slice(2));
  build(args);
} catch (error) {
  const message = error instanceof BuildError ? error.message : (error?.stack ?? String(error));
  if (args.ifMissing) {
    console.warn(`${LOG} warning: the image addon was not built: ${message}`);
    console.warn(`${LOG} image analysis will be unavailable until "npm run build:native" succeeds.`);
    process.exit(0);
  }
  console.error(`${LOG} error: ${message}`);
  process.exit(1);
}
