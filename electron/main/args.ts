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

/**
 * A review to open at start (or when a second launch hands it over): `--review 12`, `--review=12`, or a link
 * `cataract-review://review/12` (what a department's page or an e-mail links to). The window then opens
 * #/review/12, the same address the browser host uses after its token.
 */
export function parseReviewArg(argv: readonly string[]): number | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let value: string | undefined;
    if (arg === '--review') value = argv[i + 1];
    else if (arg.startsWith('--review=')) value = arg.slice('--review='.length);
    else {
      const link = /^cataract-review:\/\/review\/(\d{1,12})\/?$/.exec(arg);
      if (link) value = link[1];
      else continue;
    }
    const id = Number(value);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }
  return null;
}
