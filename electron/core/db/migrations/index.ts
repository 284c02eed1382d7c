// Ordered list of migrations. Add a file NNNN-name.ts and append it here; never edit a released one.
import type { Migration } from './types';
import { migration as m0001 } from './0001-initial';
import { migration as m0002 } from './0002-frames-analyses';
import { migration as m0003 } from './0003-models';
import { migration as m0004 } from './0004-videos-reviews';
import { migration as m0005 } from './0005-annotations-notes-search';
import { migration as m0006 } from './0006-timeline';
import { migration as m0007 } from './0007-analysis-turns';
import { migration as m0009 } from './0009-video-media';
import { migration as m0010 } from './0010-review-signoff-tags';
import { migration as m0011 } from './0011-video-parts';
import { migration as m0012 } from './0012-assessments';
import { migration as m0013 } from './0013-teaching';

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0009, m0010, m0011, m0012, m0013];
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
