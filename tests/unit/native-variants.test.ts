// Which image-addon variants the install builds (scripts/lib/native-variants.mjs), from injected machine facts,
// and what the engine does when node-llama-cpp picks a GPU build that has no addon (local-engine missingAddon).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingAddon } from '../../electron/inference/engines/local-engine';
import {
  buildIsCurrent,
  parseVariantsOption,
  selectVariants,
  usableKinds,
  variantKind,
  type GpuFacts,
} from '../../scripts/lib/native-variants.mjs';

const noGpu: GpuFacts = { platform: 'linux', arch: 'x64', nvidiaDriver: null, vulkanLoader: null, vulkanIcds: [], gpuDeviceNodes: [] };
// The 2-core CI machine: Mesa's Vulkan loader and ICDs are installed, but there is no GPU device.
const mesaNoDevice: GpuFacts = {
  ...noGpu,
  vulkanLoader: '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  vulkanIcds: ['/usr/share/vulkan/icd.d/intel_icd.x86_64.json', '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', '/usr/share/vulkan/icd.d/radeon_icd.x86_64.json'],
};
const nvidia: GpuFacts = {
  ...noGpu,
  nvidiaDriver: '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
  vulkanLoader: '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  vulkanIcds: ['/usr/share/vulkan/icd.d/nvidia_icd.json'],
  gpuDeviceNodes: ['/dev/nvidia0'],
};
const installed = [
  { variant: 'v0.4.0', libllamaSize: 100 },
  { variant: 'cuda.v0.4.0', libllamaSize: 200 },
  { variant: 'vulkan.v0.4.0', libllamaSize: 300 },
];
const names = (vs: { variant: string }[]) => vs.map((v) => v.variant);

describe('--variants', () => {
  it('parses all, auto and lists (the CPU variant is always added)', () => {
    expect(parseVariantsOption('all')).toBe('all');
    expect(parseVariantsOption(' AUTO ')).toBe('auto');
    expect(parseVariantsOption('cuda')).toEqual(['cpu', 'cuda']);
    expect(parseVariantsOption('vulkan,cpu,vulkan')).toEqual(['cpu', 'vulkan']);
    expect(() => parseVariantsOption('gpu')).toThrow(/unknown variant "gpu"/);
    expect(() => parseVariantsOption('')).toThrow(/needs a value/);
  });

  it('names the kind of a node-llama-cpp variant', () => {
    expect(variantKind('v0.4.0')).toBe('cpu');
    expect(variantKind('b6000')).toBe('cpu');
    expect(variantKind('cuda.v0.4.0')).toBe('cuda');
    expect(variantKind('vulkan.b6000')).toBe('vulkan');
    expect(variantKind('metal.v0.4.0')).toBe('metal');
  });
});

describe('usableKinds', () => {
  it('uses only the CPU without an NVIDIA driver or a Vulkan device', () => {
    for (const facts of [noGpu, mesaNoDevice]) {
      const u = usableKinds(facts);
      expect([u.cpu.usable, u.cuda.usable, u.vulkan.usable, u.metal.usable]).toEqual([true, false, false, false]);
    }
    expect(usableKinds(noGpu).vulkan.reason).toMatch(/no Vulkan loader/);
    expect(usableKinds(mesaNoDevice).vulkan.reason).toMatch(/no GPU device/);
  });

  it('uses CUDA with an NVIDIA driver, Vulkan with a loader, a hardware ICD and a device', () => {
    const u = usableKinds(nvidia);
    expect(u.cuda).toMatchObject({ usable: true });
    expect(u.cuda.reason).toContain('libcuda.so.1');
    expect(u.vulkan.usable).toBe(true);
    expect(usableKinds({ ...mesaNoDevice, gpuDeviceNodes: ['/dev/dri/renderD128'] }).vulkan.usable).toBe(true);
    expect(usableKinds({ ...nvidia, vulkanLoader: null }).vulkan.usable).toBe(false);
  });

  it('does not count software Vulkan drivers (llama.cpp skips CPU devices)', () => {
    const lvpOnly = { ...noGpu, vulkanLoader: 'libvulkan.so.1', vulkanIcds: ['/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', '/x/vk_swiftshader_icd.json'], gpuDeviceNodes: ['/dev/dri/renderD128'] };
    expect(usableKinds(lvpOnly).vulkan).toMatchObject({ usable: false });
    expect(usableKinds(lvpOnly).vulkan.reason).toMatch(/no hardware ICD/);
  });

  it('uses Metal on macOS arm64 only, and no CUDA on macOS', () => {
    const mac: GpuFacts = { ...noGpu, platform: 'mac', arch: 'arm64', nvidiaDriver: 'x' };
    expect(usableKinds(mac).metal.usable).toBe(true);
    expect(usableKinds(mac).cuda.usable).toBe(false);
    expect(usableKinds({ ...mac, arch: 'x64' }).metal.usable).toBe(false);
  });

  it('needs no device node on Windows (ICDs live in the registry)', () => {
    const win: GpuFacts = { ...noGpu, platform: 'win', nvidiaDriver: 'C:\\Windows\\System32\\nvcuda.dll', vulkanLoader: 'vulkan-1.dll', vulkanIcds: ['registry'] };
    const u = usableKinds(win);
    expect([u.cuda.usable, u.vulkan.usable]).toEqual([true, true]);
  });
});

describe('selectVariants', () => {
  it('auto builds only the CPU variant on a machine without a GPU, and says why the others were left out', () => {
    const s = selectVariants({ installed, request: 'auto', facts: mesaNoDevice });
    expect(names(s.build)).toEqual(['v0.4.0']);
    expect(s.skipped.map((x) => [x.variant, x.kind])).toEqual([
      ['cuda.v0.4.0', 'cuda'],
      ['vulkan.v0.4.0', 'vulkan'],
    ]);
    expect(s.skipped[0]!.reason).toMatch(/NVIDIA/);
    expect(s.missing).toEqual([]);
  });

  it('auto builds the GPU variants the machine can use', () => {
    expect(names(selectVariants({ installed, request: 'auto', facts: nvidia }).build)).toEqual(['v0.4.0', 'cuda.v0.4.0', 'vulkan.v0.4.0']);
    const amd = { ...mesaNoDevice, gpuDeviceNodes: ['/dev/dri/renderD128'] };
    expect(names(selectVariants({ installed, request: 'auto', facts: amd }).build)).toEqual(['v0.4.0', 'vulkan.v0.4.0']);
  });

  it('auto keeps (re-links) the variants already built, so a rebuild leaves none stale', () => {
    const s = selectVariants({ installed, request: 'auto', facts: noGpu, alreadyBuilt: ['v0.4.0', 'cuda.v0.4.0'] });
    expect(names(s.build)).toEqual(['v0.4.0', 'cuda.v0.4.0']);
  });

  it('all builds every installed variant; a list builds those and reports kinds not installed', () => {
    expect(names(selectVariants({ installed, request: 'all', facts: noGpu }).build)).toEqual(names(installed));
    const s = selectVariants({ installed, request: ['cpu', 'cuda'], facts: noGpu, alreadyBuilt: ['vulkan.v0.4.0'] });
    expect(names(s.build)).toEqual(['v0.4.0', 'cuda.v0.4.0']);
    expect(s.skipped[0]!.reason).toMatch(/not in --variants cpu,cuda/);
    expect(selectVariants({ installed, request: ['cpu', 'metal'], facts: noGpu }).missing).toEqual(['metal']);
  });

  it('builds Metal on macOS arm64', () => {
    const mac: GpuFacts = { ...noGpu, platform: 'mac', arch: 'arm64' };
    expect(names(selectVariants({ installed: [{ variant: 'metal.v0.4.0' }], request: 'auto', facts: mac }).build)).toEqual(['metal.v0.4.0']);
  });
});

describe('buildIsCurrent', () => {
  const manifest = { llamaRelease: 'v0.4.0', nodeLlamaCppVersion: '3.21.1' };
  const cpuOnlyInfo = { ...manifest, variants: [{ variant: 'v0.4.0', libllamaSize: 100 }] };
  const cpu = [installed[0]!];
  const mtimes: Record<string, number> = { 'v0.4.0': 2000 };
  const mtimeOf = (v: string) => mtimes[v] ?? null;

  it('an auto build is current without the variants it did not choose', () => {
    expect(buildIsCurrent({ info: cpuOnlyInfo, manifest, chosen: cpu, mtimeOf, newestSourceMtime: 1000 })).toBe(true);
  });

  it('is stale when the machine gains a GPU and auto now chooses its variant', () => {
    expect(buildIsCurrent({ info: cpuOnlyInfo, manifest, chosen: installed.slice(0, 2), mtimeOf, newestSourceMtime: 1000 })).toBe(false);
  });

  it('is stale after a source change, a node-llama-cpp change, or another libllama', () => {
    expect(buildIsCurrent({ info: cpuOnlyInfo, manifest, chosen: cpu, mtimeOf, newestSourceMtime: 3000 })).toBe(false);
    expect(buildIsCurrent({ info: { ...cpuOnlyInfo, nodeLlamaCppVersion: '3.20.0' }, manifest, chosen: cpu, mtimeOf, newestSourceMtime: 1000 })).toBe(false);
    expect(buildIsCurrent({ info: cpuOnlyInfo, manifest, chosen: [{ variant: 'v0.4.0', libllamaSize: 101 }], mtimeOf, newestSourceMtime: 1000 })).toBe(false);
    expect(buildIsCurrent({ info: cpuOnlyInfo, manifest, chosen: cpu, mtimeOf: () => null, newestSourceMtime: 1000 })).toBe(false);
    expect(buildIsCurrent({ info: null, manifest, chosen: cpu, mtimeOf, newestSourceMtime: 1000 })).toBe(false);
  });
});

describe('a GPU build without an addon (engine)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtmd-variants-'));
  fs.writeFileSync(path.join(dir, 'mtmd-addon.v0.4.0.node'), '');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const llama = (gpu: false | 'cuda' | 'vulkan') => ({ gpu, llamaCppRelease: { repo: 'ggml-org/llama.cpp', release: 'v0.4.0' } });

  it('falls back to the CPU with a message that says how to build it', () => {
    expect(missingAddon(llama(false), [dir])).toBeNull();
    const message = missingAddon(llama('cuda'), [dir]);
    expect(message).toContain('CUDA');
    expect(message).toContain('mtmd-addon.cuda.v0.4.0.node');
    expect(message).toContain('npm run build:native -- --variants cuda');
    fs.writeFileSync(path.join(dir, 'mtmd-addon.cuda.v0.4.0.node'), '');
    expect(missingAddon(llama('cuda'), [dir])).toBeNull();
    expect(missingAddon(llama('vulkan'), [dir])).toMatch(/Vulkan/);
  });
});

describe('packaging asks for every variant', () => {
  const root = path.resolve(__dirname, '../..');
  it('electron-builder runs the beforePack hook, and the release workflow builds --variants all', () => {
    const builder = fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
    const hook = /^beforePack: (\S+)$/m.exec(builder)?.[1];
    expect(hook).toBe('./scripts/lib/native-before-pack.mjs');
    expect(fs.readFileSync(path.join(root, hook!), 'utf8')).toContain("'--variants', 'all'");
    expect(fs.readFileSync(path.join(root, '.github/workflows/release.yml'), 'utf8')).toContain('build:native -- --force --variants all');
  });
});
