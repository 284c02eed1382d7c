// Analysis jobs seen by this window, fed by analysis.token / analysis.status events. One store for the app, so
// a job keeps streaming while the user looks at another frame and is still there on return. Events can arrive
// before analysis.start resolves; they are kept by jobId and the job is adopted for its frame either way.
import type { Analysis, AnalysisStatus, AnalysisTurn } from '../../../electron/api/schemas';
import { api } from '../api';

export interface JobState {
  jobId: string;
  frameId: number;
  status: AnalysisStatus;
  queuePosition: number | null;
  text: string;
  tokenEvents: number;
  message: string | null;
  analysis: Analysis | null;
  /** A follow-up question's job: the stored turn once it finished. */
  turn: AnalysisTurn | null;
}

export const isTerminal = (s: AnalysisStatus) => s === 'completed' || s === 'cancelled' || s === 'failed';

type Listener = () => void;

function createJobsStore() {
  const jobs = new Map<string, JobState>();
  const latestByFrame = new Map<number, string>();
  // Follow-up jobs stream through the same events but never become a frame's current analysis.
  const followUps = new Set<string>();
  const replaced = new Map<string, string | undefined>();
  const listeners = new Set<Listener>();
  let subscribed = false;
  let pending: ReturnType<typeof setTimeout> | null = null;
  let lastNotify = 0;
  const FRAME_MS = 16;

  const notify = () => {
    if (pending) clearTimeout(pending);
    pending = null;
    lastNotify = performance.now();
    listeners.forEach((l) => l());
  };
  // A small CPU model can send thousands of tokens a second: repaint at most once a frame, never later.
  const notifySoon = () => {
    if (pending) return;
    const wait = FRAME_MS - (performance.now() - lastNotify);
    if (wait <= 0) notify();
    else pending = setTimeout(notify, wait);
  };

  function upsert(jobId: string, frameId: number, change: (j: JobState) => JobState): JobState {
    const known = jobs.get(jobId);
    const next = change(known ?? { jobId, frameId, status: 'queued', queuePosition: null, text: '', tokenEvents: 0, message: null, analysis: null, turn: null });
    jobs.set(jobId, next);
    // A job first seen through its events (started elsewhere, or before start resolved) becomes the frame's
    // current one unless another job of that frame is still active. Late tokens of old jobs never switch back.
    const current = latestByFrame.get(frameId);
    const currentJob = current ? jobs.get(current) : undefined;
    if (!known && !followUps.has(jobId) && (!currentJob || isTerminal(currentJob.status))) {
      replaced.set(jobId, current);
      latestByFrame.set(frameId, jobId);
    }
    return next;
  }

  function ensureSubscribed() {
    if (subscribed) return;
    subscribed = true;
    api.on('analysis.token', (e) => {
      upsert(e.jobId, e.frameId, (j) => ({ ...j, status: isTerminal(j.status) ? j.status : 'running', queuePosition: null, text: j.text + e.text, tokenEvents: j.tokenEvents + 1 }));
      notifySoon();
    });
    api.on('analysis.status', (e) => {
      if (e.turn !== undefined) followUps.add(e.jobId); // a follow-up's events always carry `turn` (null until stored)
      upsert(e.jobId, e.frameId, (j) => ({
        ...j,
        status: e.status,
        queuePosition: e.queuePosition,
        message: e.message,
        analysis: e.analysis ?? j.analysis,
        turn: e.turn ?? j.turn,
      }));
      notify();
    });
  }

  return {
    ensureSubscribed,
    subscribe(l: Listener) {
      ensureSubscribed();
      listeners.add(l);
      return () => listeners.delete(l);
    },
    latest(frameId: number): JobState | null {
      const id = latestByFrame.get(frameId);
      return id ? (jobs.get(id) ?? null) : null;
    },
    get(jobId: string): JobState | null {
      return jobs.get(jobId) ?? null;
    },
    /** Record a follow-up job analysis.ask returned; if its events got here first, the frame's analysis stays. */
    adoptFollowUp(jobId: string, frameId: number, queuePosition: number) {
      followUps.add(jobId);
      if (latestByFrame.get(frameId) === jobId) {
        const before = replaced.get(jobId);
        if (before) latestByFrame.set(frameId, before);
        else latestByFrame.delete(frameId);
      }
      if (!jobs.has(jobId)) {
        jobs.set(jobId, { jobId, frameId, status: 'queued', queuePosition, text: '', tokenEvents: 0, message: null, analysis: null, turn: null });
      }
      notify();
    },
    /** Record the job analysis.start returned, unless its events got here first. */
    adopt(jobId: string, frameId: number, queuePosition: number) {
      if (!jobs.has(jobId)) upsert(jobId, frameId, (j) => ({ ...j, status: 'queued', queuePosition }));
      latestByFrame.set(frameId, jobId);
      notify();
    },
  };
}

export const jobsStore = createJobsStore();
