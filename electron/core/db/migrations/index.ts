// Ordered list of migrations. Add a file NNNN-name.ts and append it here; never edit a released one.
import type { Migration } from './types';
import { migration as m0001 } from './0001-initial';
import { migration as m0002 } from './0002-frames-analyses';

export const MIGRATIONS: readonly Migration[] = [m0001, m0002];
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
