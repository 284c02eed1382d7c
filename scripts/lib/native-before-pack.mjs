// electron-builder beforePack hook (electron-builder.yml): the package gets the image addon for EVERY
// node-llama-cpp variant of its platform, not just the ones `npm install` built for this machine
// (scripts/build-native.mjs --variants all; a no-op when they are already built, e.g. by the release workflow).
// Packaging for another OS or architecture than this machine's cannot build them here: it only says so.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PLATFORM = { linux: 'linux', darwin: 'darwin', mac: 'darwin', win32: 'win32' };
const ARCH = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

export default async function beforePack(context) {
  const platform = PLATFORM[context.electronPlatformName] ?? context.electronPlatformName;
  const arch = typeof context.arch === 'number' ? ARCH[context.arch] : String(context.arch);
  if (platform !== process.platform || arch !== process.arch) {
    console.log(`  • image addon: packaging ${platform}-${arch} on ${process.platform}-${process.arch}; using the .node files already in electron/inference/native/build`);
    return;
  }
  const script = fileURLToPath(new URL('../build-native.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, '--variants', 'all'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the image addon could not be built for every variant (scripts/build-native.mjs --variants all)');
}
