// Command-line switches the app understands. `--data DIR` (or --data=DIR) puts the library and Electron's
// own profile in DIR instead of the per-user folder, so separate libraries can run side by side.
import path from 'node:path';

export function parseDataDirArg(argv: readonly string[], cwd: string = process.cwd()): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let value: string | undefined;
    if (arg === '--data') value = argv[i + 1];
    else if (arg.startsWith('--data=')) value = arg.slice('--data='.length);
    else continue;
    if (!value || value.startsWith('--')) throw new Error('--data needs a folder: --data DIR');
    return path.resolve(cwd, value);
  }
  return null;
}
