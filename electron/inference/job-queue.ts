// The inference client's jobs: analyses (the reviewer's, the timeline's, follow-ups) wait in a queue ordered by
// priority and run one at a time; an encode ahead (work ahead, lowest of all) never waits in it: it starts only when
// the queue is empty and gives way to the next analysis (inference-client.ts, work-ahead-policy.ts).
import { WorkstationError } from '../api/errors';
import type { AnalyzeRequest, AnalyzeResult, EncodeRequest, EncodeResult } from './protocol';

export interface JobCallbacks {
  onQueued?(position: number): void;
  onStart?(): void;
  onToken?(text: string): void;
}

interface JobBase {
  id: string;
  callbacks: JobCallbacks;
  priority: number;
  reject(e: Error): void;
  /** The text streamed so far (kept for an answer cut short by abandoning the process). */
  text: string;
  tokens: number;
  startedAt: number;
  /** Settles once the job has ended and the client has let go of it (set when it starts). */
  settled?: Promise<void>;
}

export interface AnalyzeJob extends JobBase {
  kind: 'analyze';
  request: AnalyzeRequest;
  resolve(r: AnalyzeResult): void;
}

export interface EncodeJob extends JobBase {
  kind: 'encode';
  request: EncodeRequest;
  /** The frame being encoded (its sha256, as analyses name it in frameKey). */
  frameKey: string;
  /** The caller's estimate of this encode (the stored analyses' median), for when the client has measured none. */
  expectedEncodeMs: number | null;
  resolve(r: EncodeResult): void;
}

export type Job = AnalyzeJob | EncodeJob;

/** Analyses waiting to run, highest priority first, first come first served within a priority. */
export function createJobQueue() {
  const jobs: AnalyzeJob[] = [];
  const announce = () => jobs.forEach((job, i) => job.callbacks.onQueued?.(i + 1));
  return {
    get length() {
      return jobs.length;
    },
    /** The job that runs next. */
    get head(): AnalyzeJob | undefined {
      return jobs[0];
    },
    add(job: AnalyzeJob): void {
      const at = jobs.findIndex((j) => j.priority < job.priority);
      if (at === -1) jobs.push(job);
      else jobs.splice(at, 0, job);
      announce();
    },
    take(): AnalyzeJob | undefined {
      const job = jobs.shift();
      announce();
      return job;
    },
    /** Takes the queued job out (rejected 'cancelled'); false when it is not queued. */
    cancel(id: string): boolean {
      const i = jobs.findIndex((j) => j.id === id);
      if (i < 0) return false;
      const [job] = jobs.splice(i, 1);
      job!.reject(new WorkstationError('cancelled', 'Cancelled before it started.'));
      announce();
      return true;
    },
    rejectAll(error: Error): void {
      for (const job of jobs.splice(0)) job.reject(error);
    },
  };
}
