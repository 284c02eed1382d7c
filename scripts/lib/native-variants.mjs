// Which node-llama-cpp binary variants scripts/build-native.mjs links the image addon for.
//
// detectGpuFacts() looks at this machine (files, /proc, /dev, ldconfig); everything else here is a pure
// function of those facts, so the choice can be unit-tested (tests/unit/native-variants.test.ts).
//   --variants auto (the default, and what `npm install` uses): CPU always; CUDA only with an NVIDIA driver;
//     Vulkan only with a Vulkan loader, a hardware ICD and a GPU device node; Metal on macOS arm64 (as
//     node-llama-cpp does). A GPU gained later gets its variant on the next `npm run build:native` / `npm install`.
//   --variants all: every installed variant (the release workflow and packaging).
//   --variants cpu,cuda,…: those (the CPU variant is always added: it is the app's fallback).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KINDS = ['cpu', 'cuda', 'vulkan', 'metal'];

/** "cuda.v0.4.0" → "cuda"; "v0.4.0" / "b6000" → "cpu". */
export function variantKind(variant) {
  const m = /^(cuda|vulkan|metal)\./.exec(variant);
  return m ? m[1] : 'cpu';
}

/** "all" | "auto" | a list of kinds (cpu always included). Throws on anything else. */
export function parseVariantsOption(value) {
  const v = String(value ?? '').trim().toLowerCase();
  if (v === 'all' || v === 'auto') return v;
  const kinds = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (kinds.length === 0) throw new Error('--variants needs a value: all, auto, or a list such as cpu,cuda');
  for (const k of kinds) {
    if (!KINDS.includes(k)) throw new Error(`unknown variant "${k}" in --variants (use all, auto, or a list of ${KINDS.join(', ')})`);
  }
  return KINDS.filter((k) => k === 'cpu' || kinds.includes(k));
}

const SOFTWARE_ICD = /(^|[_/-])(lvp|lavapipe|swiftshader|llvmpipe)[_.-]/i;

/**
 * Which kinds this machine can use, with the reason, from facts:
 *   { platform: 'linux'|'mac'|'win', arch, nvidiaDriver: string|null (the evidence), vulkanLoader: string|null,
 *     vulkanIcds: string[] (ICD manifest paths), gpuDeviceNodes: string[] (/dev/dri/renderD*, /dev/nvidia0, /dev/dxg) }
 */
export function usableKinds(facts) {
  const out = { cpu: { usable: true, reason: 'always built' } };
  if (facts.platform === 'mac') {
    out.cuda = { usable: false, reason: 'no CUDA on macOS' };
  } else {
    out.cuda = facts.nvidiaDriver
      ? { usable: true, reason: `NVIDIA driver found (${facts.nvidiaDriver})` }
      : { usable: false, reason: 'no NVIDIA driver (no libcuda.so.1, /proc/driver/nvidia or nvidia-smi)' };
  }
  const hardwareIcds = (facts.vulkanIcds ?? []).filter((f) => !SOFTWARE_ICD.test(path.basename(f)));
  if (!facts.vulkanLoader) out.vulkan = { usable: false, reason: 'no Vulkan loader (libvulkan.so.1 / vulkan-1.dll)' };
  else if (hardwareIcds.length === 0) {
    out.vulkan = { usable: false, reason: `Vulkan loader but no hardware ICD${facts.vulkanIcds?.length ? ` (only ${facts.vulkanIcds.map((f) => path.basename(f)).join(', ')}, which llama.cpp ignores)` : ''}` };
  } else if (facts.platform === 'linux' && (facts.gpuDeviceNodes ?? []).length === 0) {
    out.vulkan = { usable: false, reason: `Vulkan ICDs (${hardwareIcds.map((f) => path.basename(f)).join(', ')}) but no GPU device (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg)` };
  } else out.vulkan = { usable: true, reason: `Vulkan loader and ICD found (${path.basename(hardwareIcds[0])})` };
  out.metal =
    facts.platform === 'mac' && facts.arch === 'arm64'
      ? { usable: true, reason: 'macOS on Apple silicon' }
      : { usable: false, reason: 'Metal is used on macOS arm64 only' };
  return out;
}

/**
 * Pure: the installed variants ({ variant, … }) to build for a request ("all" | "auto" | kinds[]), plus the ones
 * left out with the reason. `alreadyBuilt` (variant names in the output folder) are kept under "auto", so a
 * rebuild never leaves a stale .node behind or drops one that was asked for earlier.
 */
export function selectVariants({ installed, request, facts, alreadyBuilt = [] }) {
  const usable = usableKinds(facts);
  const build = [];
  const skipped = [];
  for (const v of installed) {
    const kind = variantKind(v.variant);
    let take;
    let reason;
    if (request === 'all') take = true;
    else if (request === 'auto') {
      take = usable[kind].usable || alreadyBuilt.includes(v.variant);
      reason = usable[kind].reason;
    } else {
      take = request.includes(kind);
      reason = `not in --variants ${request.join(',')}`;
    }
    if (take) build.push(v);
    else skipped.push({ variant: v.variant, kind, reason });
  }
  const installedKinds = new Set(installed.map((v) => variantKind(v.variant)));
  const missing = Array.isArray(request) ? request.filter((k) => !installedKinds.has(k)) : [];
  return { build, skipped, missing };
}

/**
 * Pure: whether the build described by `info` (build-info.json) still serves `chosen` (the variants asked for
 * now). Only the chosen variants count: an auto build on a machine without a GPU is not stale because the CUDA
 * and Vulkan addons are absent; when the machine gains a GPU, auto chooses its variant and this says "build".
 * `mtimeOf(variant)` gives the built .node's mtime (null when the file is missing).
 */
export function buildIsCurrent({ info, manifest, chosen, mtimeOf, newestSourceMtime }) {
  if (!info || info.llamaRelease !== manifest.llamaRelease || info.nodeLlamaCppVersion !== manifest.nodeLlamaCppVersion) return false;
  const built = new Map((info.variants ?? []).map((v) => [v.variant, v]));
  let oldest = Infinity;
  for (const v of chosen) {
    const b = built.get(v.variant);
    const mtime = mtimeOf(v.variant);
    if (!b || b.libllamaSize !== v.libllamaSize || mtime === null) return false;
    oldest = Math.min(oldest, mtime);
  }
  // npm gives package files a fixed old mtime, so node_modules changes are caught by the manifest above.
  return chosen.length > 0 && oldest > newestSourceMtime;
}

// ---- detection (impure) ----------------------------------------------------------------------------------

function libDirs(env) {
  return [
    ...(env.LD_LIBRARY_PATH ?? '').split(':'),
    '/usr/lib', '/usr/lib64', '/lib', '/lib64',
    '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/aarch64-linux-gnu',
    '/usr/lib/wsl/lib', '/usr/local/nvidia/lib64', '/usr/local/nvidia/lib',
  ].filter(Boolean);
}

function listDir(dir) {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Looks at this machine; returns the facts usableKinds() takes. Never throws. */
export function detectGpuFacts({ platform, arch, env = process.env } = {}) {
  const facts = { platform, arch, nvidiaDriver: null, vulkanLoader: null, vulkanIcds: [], gpuDeviceNodes: [] };
  if (platform === 'linux') {
    let ldconfig = '';
    for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      const r = spawnSync(bin, ['-p'], { encoding: 'utf8' });
      if (!r.error && r.status === 0) {
        ldconfig = r.stdout;
        break;
      }
    }
    const findLib = (name) => {
      const dir = libDirs(env).find((d) => fs.existsSync(path.join(d, name)));
      if (dir) return path.join(dir, name);
      return new RegExp(`^\\s*${name.replace(/\./g, '\\.')} `, 'm').test(ldconfig) ? `${name} (ldconfig)` : null;
    };
    if (fs.existsSync('/proc/driver/nvidia/version')) facts.nvidiaDriver = '/proc/driver/nvidia';
    else facts.nvidiaDriver = findLib('libcuda.so.1');
    if (!facts.nvidiaDriver) {
      const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
      if (!smi.error && smi.status === 0) facts.nvidiaDriver = 'nvidia-smi';
    }
    facts.vulkanLoader = findLib('libvulkan.so.1');
    const icdFiles = [...(env.VK_DRIVER_FILES ?? '').split(':'), ...(env.VK_ICD_FILENAMES ?? '').split(':')].filter((f) => f && fs.existsSync(f));
    const dataDirs = [
      env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'),
      ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':'),
      '/etc',
      env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'),
      ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':'),
      '/usr/local/share', '/usr/share',
    ].filter(Boolean);
    for (const d of new Set(dataDirs)) {
      const icdDir = path.join(d, 'vulkan', 'icd.d');
      for (const f of listDir(icdDir)) if (f.endsWith('.json')) icdFiles.push(path.join(icdDir, f));
    }
    facts.vulkanIcds = [...new Set(icdFiles)];
    facts.gpuDeviceNodes = [
      ...listDir('/dev/dri').filter((f) => /^renderD\d+$/.test(f)).map((f) => `/dev/dri/${f}`),
      ...listDir('/dev').filter((f) => /^nvidia\d+$/.test(f) || f === 'dxg').map((f) => `/dev/${f}`),
    ];
  } else if (platform === 'win') {
    const sys32 = path.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32');
    facts.nvidiaDriver = ['nvcuda.dll', 'nvml.dll'].map((f) => path.join(sys32, f)).find((f) => fs.existsSync(f)) ?? null;
    facts.vulkanLoader = fs.existsSync(path.join(sys32, 'vulkan-1.dll')) ? path.join(sys32, 'vulkan-1.dll') : null;
    // Windows registers ICDs in the registry; a GPU driver installs the loader along with its ICD.
    if (facts.vulkanLoader) facts.vulkanIcds = ['registry'];
  }
  return facts;
}

/** One line per kind, for the build log. */
export function describeSelection(facts, selection) {
  const usable = usableKinds(facts);
  const built = selection.build.map((v) => v.variant).join(', ') || 'none';
  const left = selection.skipped.map((s) => `${s.variant} (${s.reason})`).join('; ');
  const gpu = ['cuda', 'vulkan', 'metal'].filter((k) => usable[k].usable);
  return `building ${built}${left ? `; left out: ${left}` : ''}${gpu.length === 0 ? ' (no usable GPU found)' : ''}`;
}
