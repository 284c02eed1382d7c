// Where the workstation keeps its data when no --data folder is given: the same folder Electron's
// app.getPath('userData') uses for this product, so the app and the browser host share one library.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'Cataract Review Workstation';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
}

/** The repository / app root (two levels above electron/core, or above dist/<bundle>). */
export function appRoot(fromDir: string): string {
  let dir = fromDir;
  for (let i = 0; i < 6; i++) {
    if (fsExists(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return fromDir;
}

function fsExists(p: string): boolean {
  try {
    fs.accessSync(p);
    return true;
  } catch {
    return false;
  }
}
