// The contract handlers for what a reviewer adds to a review (contract-review.ts), over the repositories in
// this folder and annotations/, search/, library/. Every write names its author (the reviewer in settings)
// and tells open windows through 'library.changed'.
import type { Database } from 'better-sqlite3';
import type { EventName, EventPayload } from '../../api/contract';
import type { Handlers } from '../../api/dispatch';
import type { ReviewerRole } from '../../api/schemas';
import type { LibraryChanged } from '../../api/schemas-review';
import { createAnnotationsStore } from '../annotations/annotations-store';
import { listAudit, type AuditQuery } from '../audit/audit-store';
import { createRecentReviewsStore } from '../library/recent-reviews-store';
import { createSearchRepo } from '../search/search-repo';
import { TAXONOMY } from '../taxonomy/taxonomy';
import { workstationKysely } from '../db/workstation-db';
import { createNotesStore } from './notes-store';
import { createReviewLockStore } from './review-lock-store';
import { createSegmentsStore } from './segments-store';
import { createTagsStore } from './tags-store';

type ReviewChannel =
  | 'annotations.create'
  | 'annotations.update'
  | 'annotations.delete'
  | 'annotations.restore'
  | 'annotations.listForFrame'
  | 'annotations.listForReview'
  | 'tags.add'
  | 'tags.remove'
  | 'tags.list'
  | 'segments.create'
  | 'segments.update'
  | 'segments.delete'
  | 'segments.list'
  | 'notes.create'
  | 'notes.update'
  | 'notes.delete'
  | 'notes.list'
  | 'audit.list'
  | 'search.query'
  | 'reviews.recent'
  | 'taxonomy.get'
  | 'reviews.checklist'
  | 'reviews.finalise'
  | 'reviews.reopen';

export interface ReviewServicesDeps {
  db: Database;
  /** Who is making the change: the reviewer's name from settings. */
  actor: () => string;
  /** The reviewer as Settings name them (the sign-off records both; an unnamed reviewer cannot sign off). */
  identity?: () => { name: string; role: ReviewerRole | null };
  /** Frame ids with an analysis queued or running (finalising waits for them). */
  activeAnalysisFrames?: () => readonly number[];
  emit?: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
}

export function createReviewServices(d: ReviewServicesDeps) {
  const kdb = workstationKysely(d.db);
  const audit = { list: (q: AuditQuery) => listAudit(kdb, q) };
  const annotations = createAnnotationsStore(kdb);
  const tags = createTagsStore(kdb);
  const segments = createSegmentsStore(kdb);
  const notes = createNotesStore(kdb);
  const search = createSearchRepo(d.db);
  const recent = createRecentReviewsStore(kdb);
  // The phase timeline's job is still the synchronous timeline repository's: read on the same connection, no await.
  const timelineState = d.db.prepare<[number], { state: string }>('SELECT state FROM timeline_jobs WHERE review_id = ?');
  const lock = createReviewLockStore(kdb, {
    identity: d.identity ?? (() => ({ name: '', role: null })),
    ...(d.activeAnalysisFrames ? { activeAnalysisFrames: d.activeAnalysisFrames } : {}),
    timelineRunning: (reviewId) => timelineState.get(reviewId)?.state === 'running',
  });

  const changed = (c: LibraryChanged) => d.emit?.('library.changed', c);
  const ok = { ok: true as const };

  const handlers: Pick<Handlers, ReviewChannel> = {
    'annotations.create': async (input) => {
      const a = await annotations.create(input, d.actor());
      changed({ entity: 'annotation', action: 'create', reviewId: a.reviewId, frameId: a.frameId, id: a.id });
      return a;
    },
    'annotations.update': async ({ id, patch }) => {
      const a = await annotations.update(id, patch, d.actor());
      changed({ entity: 'annotation', action: 'update', reviewId: a.reviewId, frameId: a.frameId, id });
      return a;
    },
    'annotations.delete': async ({ id }) => {
      const a = await annotations.delete(id, d.actor());
      changed({ entity: 'annotation', action: 'delete', reviewId: a.reviewId, frameId: a.frameId, id });
      return ok;
    },
    'annotations.restore': async ({ id }) => {
      const a = await annotations.restore(id, d.actor());
      changed({ entity: 'annotation', action: 'restore', reviewId: a.reviewId, frameId: a.frameId, id });
      return a;
    },
    'annotations.listForFrame': ({ frameId }) => annotations.listForFrame(frameId),
    'annotations.listForReview': ({ reviewId }) => annotations.listForReview(reviewId),

    'tags.add': async (input) => {
      const t = await tags.add(input, d.actor());
      changed({ entity: 'tag', action: 'create', reviewId: t.reviewId, frameId: t.frameId, id: t.id });
      return t;
    },
    'tags.remove': async ({ id }) => {
      const t = await tags.remove(id, d.actor());
      changed({ entity: 'tag', action: 'delete', reviewId: t.reviewId, frameId: t.frameId, id });
      return ok;
    },
    'tags.list': ({ reviewId, frameId }) => tags.list(reviewId, frameId),

    'segments.create': async (input) => {
      const s = await segments.create(input, d.actor());
      changed({ entity: 'segment', action: 'create', reviewId: s.reviewId, frameId: null, id: s.id });
      return s;
    },
    'segments.update': async ({ id, patch }) => {
      const s = await segments.update(id, patch, d.actor());
      changed({ entity: 'segment', action: 'update', reviewId: s.reviewId, frameId: null, id });
      return s;
    },
    'segments.delete': async ({ id }) => {
      const s = await segments.delete(id, d.actor());
      changed({ entity: 'segment', action: 'delete', reviewId: s.reviewId, frameId: null, id });
      return ok;
    },
    'segments.list': ({ reviewId }) => segments.list(reviewId),

    'notes.create': async (input) => {
      const n = await notes.create(input, d.actor());
      changed({ entity: 'note', action: 'create', reviewId: n.reviewId, frameId: n.frameId, id: n.id });
      return n;
    },
    'notes.update': async ({ id, text }) => {
      const n = await notes.update(id, text, d.actor());
      changed({ entity: 'note', action: 'update', reviewId: n.reviewId, frameId: n.frameId, id });
      return n;
    },
    'notes.delete': async ({ id }) => {
      const n = await notes.delete(id, d.actor());
      changed({ entity: 'note', action: 'delete', reviewId: n.reviewId, frameId: n.frameId, id });
      return ok;
    },
    'notes.list': ({ reviewId, frameId }) => notes.list(reviewId, frameId),

    'audit.list': (q) => audit.list(q),
    'search.query': (q) => search.query(q),
    'reviews.recent': ({ limit }) => recent.list(limit),
    'taxonomy.get': () => TAXONOMY,

    'reviews.checklist': ({ id }) => lock.checklist(id),
    'reviews.finalise': async ({ id }) => {
      const r = await lock.finalise(id);
      changed({ entity: 'review', action: 'finalise', reviewId: id, frameId: null, id });
      return r;
    },
    'reviews.reopen': async ({ id, reason }) => {
      const r = await lock.reopen(id, reason);
      changed({ entity: 'review', action: 'reopen', reviewId: id, frameId: null, id });
      return r;
    },
  };

  return { handlers, annotations, tags, segments, notes, audit, search, recent, lock };
}
export type ReviewServices = ReturnType<typeof createReviewServices>;
