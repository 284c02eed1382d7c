// Where the built pieces sit relative to dist/main/main.js (the same inside app.asar).
import path from 'node:path';

export interface BuiltPaths {
  preload: string;
  rendererRoot: string;
  worker: string;
}

export function builtPaths(mainDir: string): BuiltPaths {
  const dist = path.resolve(mainDir, '..');
  return {
    preload: path.join(dist, 'preload', 'preload.cjs'),
    rendererRoot: path.join(dist, 'renderer'),
    worker: path.join(dist, 'inference', 'worker-main.js'),
  };
}
