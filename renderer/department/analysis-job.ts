// "Analyse frame": the frame's PNG as the server holds it (/api/media/:sha256/content), sent to the department's
// shared engine (POST /api/reviews/:id/analyses), then the job's event stream (GET /api/analysis-jobs/:id/events):
// its place in the queue, the text as the model writes it, and how it ended (the stored analysis, cancelled, or the
// server's words). One job at a time on this page.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure, call, errorText, JOB_EVENT_TYPES, mediaUrl, type JobEvent, type JobTicket, type StoredAnalysis } from './api';

export type JobPhase = 'sending' | 'queued' | 'answering' | 'done' | 'cancelled' | 'failed';

export interface AnalysisJob {
  frameIndex: number;
  jobId: number | null;
  phase: JobPhase;
  /** Reviewers' questions ahead of this one (queued). */
  position: number;
  /** What the model has written so far. */
  text: string;
  /** Cancelled or failed: the server's words. */
  message: string | null;
  analysis: StoredAnalysis | null;
}

export const jobRunning = (job: AnalysisJob | null) => job !== null && (job.phase === 'sending' || job.phase === 'queued' || job.phase === 'answering');

/** Base64 of bytes, in slices (String.fromCharCode takes a bounded number of arguments). */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function framePng(sha256: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(mediaUrl(sha256), { credentials: 'same-origin' });
  } catch {
    throw new ApiFailure(0, 'unavailable', 'The department server cannot be reached. Check the connection and try again.');
  }
  if (!res.ok) throw new ApiFailure(res.status, 'not-found', `The frame image could not be read from the server (${res.status} ${res.statusText}).`);
  return base64(new Uint8Array(await res.arrayBuffer()));
}

export function useAnalysisJob(reviewId: number, onDone: (analysis: StoredAnalysis) => void, onSignedOut: (message: string) => void) {
  const [job, setJob] = useState<AnalysisJob | null>(null);
  const source = useRef<EventSource | null>(null);

  const close = useCallback(() => {
    source.current?.close();
    source.current = null;
  }, []);
  useEffect(() => close, [close]);

  const update = useCallback((patch: Partial<AnalysisJob>) => setJob((j) => (j ? { ...j, ...patch } : j)), []);

  const follow = useCallback(
    (jobId: number) => {
      const es = new EventSource(`/api/analysis-jobs/${jobId}/events`, { withCredentials: true });
      source.current = es;
      const onEvent = (message: MessageEvent<string>) => {
        let e: JobEvent;
        try {
          e = JSON.parse(message.data) as JobEvent;
        } catch {
          return;
        }
        if (e.type === 'queued') update({ phase: 'queued', position: e.position });
        // After a reconnect the server replays the text so far as one token: start again from it.
        else if (e.type === 'started') update({ phase: 'answering', position: 0, text: '' });
        else if (e.type === 'token') setJob((j) => (j ? { ...j, phase: 'answering', text: j.text + e.text } : j));
        else {
          close();
          if (e.type === 'done') {
            update({ phase: 'done', analysis: e.analysis, text: e.analysis.rawText });
            onDone(e.analysis);
          } else update({ phase: e.type === 'cancelled' ? 'cancelled' : 'failed', message: e.message });
        }
      };
      for (const type of JOB_EVENT_TYPES) es.addEventListener(type, onEvent as EventListener);
      // Refused (the job is gone, or the session ended): the browser gives up (CLOSED). Otherwise it reconnects.
      es.onerror = () => {
        if (es.readyState !== EventSource.CLOSED) return;
        close();
        update({ phase: 'failed', message: 'The analysis stream ended before the answer was complete (the server restarted, or you were signed out). Ask again.' });
      };
    },
    [close, onDone, update],
  );

  const start = useCallback(
    async (frameIndex: number, sha256: string) => {
      close();
      setJob({ frameIndex, jobId: null, phase: 'sending', position: 0, text: '', message: null, analysis: null });
      try {
        const image = await framePng(sha256);
        const ticket = await call<JobTicket>('POST', `/api/reviews/${reviewId}/analyses`, { frameIndex, image });
        update({ jobId: ticket.jobId, phase: ticket.state === 'queued' ? 'queued' : 'answering', position: ticket.position });
        follow(ticket.jobId);
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 401) onSignedOut(err.message);
        update({ phase: 'failed', message: errorText(err) });
      }
    },
    [reviewId, close, follow, onSignedOut, update],
  );

  const cancel = useCallback(async () => {
    if (!job?.jobId) return;
    try {
      await call('DELETE', `/api/analysis-jobs/${job.jobId}`, {});
    } catch (err) {
      // 409: it finished meanwhile (its stream says how).
      if (!(err instanceof ApiFailure && err.status === 409)) update({ message: errorText(err) });
    }
  }, [job?.jobId, update]);

  const dismiss = useCallback(() => {
    close();
    setJob(null);
  }, [close]);

  return { job, start, cancel, dismiss };
}
