// The contract handlers for teaching mode (contract-teaching.ts). The viewer is the reviewer in Settings (name and
// role); every write tells open windows ('library.changed', entity 'teaching').
import type { Database } from 'better-sqlite3';
import type { Handlers } from '../../api/dispatch';
import type { EventName, EventPayload } from '../../api/contract';
import { workstationKysely } from '../db/workstation-db';
import { createTeachingStore, type TeachingViewer } from './teaching-store';

type TeachingChannel = 'teaching.get' | 'teaching.setMode' | 'teaching.respond' | 'teaching.reveal';

export interface TeachingServicesDeps {
  db: Database;
  /** The reviewer as Settings name them. */
  identity: () => TeachingViewer;
  emit?: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  now?: () => string;
}

export function createTeachingServices(d: TeachingServicesDeps) {
  const teaching = createTeachingStore(workstationKysely(d.db), d.now);
  const changed = (reviewId: number, action: 'create' | 'update' | 'delete', frameId: number | null, id: number | null) =>
    d.emit?.('library.changed', { entity: 'teaching', action, reviewId, frameId, id });

  const handlers: Pick<Handlers, TeachingChannel> = {
    'teaching.get': ({ reviewId }) => teaching.state(reviewId, d.identity()),
    'teaching.setMode': async ({ reviewId, on }) => {
      const s = await teaching.setMode(reviewId, on, d.identity());
      changed(reviewId, on ? 'create' : 'delete', null, reviewId);
      return s;
    },
    'teaching.respond': async (input) => {
      const { state, response } = await teaching.respond(input, d.identity());
      changed(input.reviewId, 'update', response.frameId, response.id);
      return state;
    },
    'teaching.reveal': ({ reviewId, target }) => teaching.reveal(reviewId, target, d.identity()),
  };
  return { handlers, teaching };
}
export type TeachingServices = ReturnType<typeof createTeachingServices>;
