// electron-builder.yml: native code outside the asar, no model weights in the package, the fuses, the targets.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

interface TargetEntry {
  target: string;
  arch?: string[];
}
interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  linux: { target: Array<string | TargetEntry>; category: string; desktop?: { entry?: Record<string, string> } };
  mac: { target: TargetEntry[]; hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string };
  win: { target: TargetEntry[] };
}

const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

/** A tiny glob matcher for the patterns used here (**, *, {a,b}), enough to check what a pattern covers. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '{') {
      const end = glob.indexOf('}', i);
      re += `(?:${glob.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
      i = end;
    } else re += ch.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const matchesAny = (patterns: string[], file: string) => patterns.some((p) => globToRegExp(p).test(file) || (!/[*{]/.test(p) && file.startsWith(`${p}/`)));
const excluded = (file: string) => matchesAny(config.files.filter((p) => p.startsWith('!')).map((p) => p.slice(1)), file);
const included = (file: string) => matchesAny(config.files.filter((p) => !p.startsWith('!')), file) && !excluded(file);
const unpacked = (file: string) => matchesAny(config.asarUnpack, file);

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    const require = createRequire(import.meta.url);
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), linux: { bogus: true } }, new DebugLogger(false))).rejects.toThrow(/Invalid configuration/);
  });

  it('names the app and its folders', () => {
    expect(config.appId).toBe('org.cataract-review.workstation');
    expect(config.productName).toBe('Cataract Review Workstation');
    expect(config.directories).toEqual({ output: 'release', buildResources: 'resources/build' });
    expect(fs.existsSync(path.join(root, 'resources/build/icon.png'))).toBe(true);
    expect(fs.existsSync(path.join(root, config.mac.entitlements))).toBe(true);
  });

  it('packs the build and the resources, never model weights, sources or tests', () => {
    for (const f of ['package.json', 'dist/main/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'dist/inference/worker-main.js', 'resources/taxonomy/cataract-1k.json']) {
      expect(included(f), f).toBe(true);
    }
    for (const f of [
      'resources/models/medgemma-4b.Q4_K_M.gguf',
      'resources/mmproj-f16.gguf',
      'dist/model.gguf',
      'node_modules/some/model.safetensors',
      'dist/main/main.js.map',
      'electron/main/main.ts',
      'renderer/src/main.tsx',
      'tests/unit/ipc.test.ts',
      'node_modules/node-llama-cpp/llama/gitRelease.bundle',
    ]) {
      expect(included(f), f).toBe(false);
    }
    expect(config.files).toContain('!**/*.{gguf,safetensors}');
  });

  it('unpacks every native module from the asar', () => {
    expect(config.asar).toBe(true);
    for (const f of [
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/llama-addon.node',
      'node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/libggml-cuda.so',
      'node_modules/@node-llama-cpp/mac-arm64-metal/bins/mac-arm64-metal/libllama.dylib',
      'node_modules/@node-llama-cpp/win-x64/bins/win-x64/llama.dll',
      'node_modules/node-llama-cpp/bins/linux-x64/llama-addon.node',
      'node_modules/node-llama-cpp/llama/localBuilds/linux-x64/Release/llama-addon.node',
      'electron/inference/native/build/linux-x64/mtmd-addon.cuda.v0.4.0.node',
    ]) {
      expect(unpacked(f), f).toBe(true);
    }
    // Our addon is shipped (it sits outside dist/), next to where node-llama-cpp's libraries are.
    expect(included('electron/inference/native/build/linux-x64/mtmd-addon.v0.4.0.node')).toBe(true);
    expect(unpacked('dist/main/main.js')).toBe(false);
    expect(config.npmRebuild).toBe(true);
  });

  it('sets the security fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds AppImage + deb, dmg for both Mac architectures (hardened), and an x64 NSIS installer', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Science');
    expect(config.linux.desktop?.entry?.Categories).toContain('MedicalSoftware');
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.entitlements).toBe('resources/build/entitlements.mac.plist');
    expect(config.mac.entitlementsInherit).toBe('resources/build/entitlements.mac.plist');
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
  });

  it('entitles the Mac build to JIT only (no library-validation bypass)', () => {
    const plist = fs.readFileSync(path.join(root, 'resources/build/entitlements.mac.plist'), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
  });
});
