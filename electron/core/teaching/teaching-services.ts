// The contract handlers for teaching mode (contract-teaching.ts). The viewer is the reviewer in Settings (name and
// role); every write tells open windows ('library.changed', entity 'teaching').
import type { Database } from 'better-sqlite3';
import type { Handlers } from '../../api/dispatch';
import type { EventName, EventPayload } from '../../api/contract';
import type { AuditLog } from '../audit/audit-log';
import type { ReviewGuard } from '../reviews/review-guard';
import { createTeachingRepo, type TeachingViewer } from './teaching-repo';

type TeachingChannel = 'teaching.get' | 'teaching.setMode' | 'teaching.respond' | 'teaching.reveal';

export interface TeachingServicesDeps {
  db: Database;
  audit: AuditLog;
  guard: ReviewGuard;
  /** The reviewer as Settings name them. */
  identity: () => TeachingViewer;
  emit?: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  now?: () => string;
}

export function createTeachingServices(d: TeachingServicesDeps) {
  const teaching = createTeachingRepo(d.db, { audit: d.audit, guard: d.guard, ...(d.now ? { now: d.now } : {}) });
  const changed = (reviewId: number, action: 'create' | 'update' | 'delete', frameId: number | null, id: number | null) =>
    d.emit?.('library.changed', { entity: 'teaching', action, reviewId, frameId, id });

  const handlers: Pick<Handlers, TeachingChannel> = {
    'teaching.get': ({ reviewId }) => teaching.state(reviewId, d.identity()),
    'teaching.setMode': ({ reviewId, on }) => {
      const s = teaching.setMode(reviewId, on, d.identity());
      changed(reviewId, on ? 'create' : 'delete', null, reviewId);
      return s;
    },
    'teaching.respond': (input) => {
      const { state, response } = teaching.respond(input, d.identity());
      changed(input.reviewId, 'update', response.frameId, response.id);
      return state;
    },
    'teaching.reveal': ({ reviewId, target }) => teaching.reveal(reviewId, target, d.identity()),
  };
  return { handlers, teaching };
}
export type TeachingServices = ReturnType<typeof createTeachingServices>;
