// The progress of one job this window started (a report export, a teaching clip, a publish), from the job's events.
// A job's first events, even its last, can arrive before the call that started it has answered with its id (events
// and answers travel separately: IPC, or the browser host's event stream and HTTP): they are kept until `track(id)`,
// so a job that finishes at once is not left showing "Starting" for ever.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName, EventPayload } from '../../../electron/api/contract';
import { api } from '../api';

type JobEventName = { [E in EventName]: EventPayload<E> extends { jobId: string } ? E : never }[EventName];

/** Early events kept while a start call is out (other windows' jobs among them): enough, and bounded. */
const EARLY_LIMIT = 50;

export function useJobProgress<E extends JobEventName>(event: E) {
  const [job, setJob] = useState<EventPayload<E> | null>(null);
  const jobId = useRef<string | null>(null);
  const starting = useRef(false);
  const early = useRef(new Map<string, EventPayload<E>>());

  useEffect(
    () =>
      api.on(event, (p) => {
        const payload = p as EventPayload<E> & { jobId: string };
        if (payload.jobId === jobId.current) setJob(payload);
        else if (starting.current) {
          early.current.set(payload.jobId, payload);
          if (early.current.size > EARLY_LIMIT) early.current.delete(early.current.keys().next().value!);
        }
      }),
    [event],
  );

  /** Before the start call: forget the previous job, keep events until the new id is known. */
  const begin = useCallback(() => {
    jobId.current = null;
    early.current.clear();
    starting.current = true;
    setJob(null);
  }, []);

  /** The start call answered with `id` (`first` is shown until the job's own events say more). */
  const track = useCallback((id: string, first: EventPayload<E>) => {
    jobId.current = id;
    starting.current = false;
    const seen = early.current.get(id);
    early.current.clear();
    setJob(seen ?? first);
  }, []);

  /** The start call failed. */
  const fail = useCallback(() => {
    starting.current = false;
    early.current.clear();
  }, []);

  return { job, jobId, begin, track, fail };
}
