// Running ffmpeg for a job that writes a file (conversion, joining parts, the scrub proxy): progress from
// `-progress pipe:1`, cancel by signal (ffmpeg is killed; the caller removes its output), ffmpeg's last lines in
// the error when it fails.
import { spawn } from 'node:child_process';

export interface RunFfmpegOptions {
  /** Turns ffmpeg's out_time into a fraction (none when null). */
  durationSeconds: number | null;
  signal: AbortSignal;
  onProgress(fraction: number | null): void;
  /** Each `-progress` line (key=value), for callers that read more than the time. */
  onProgressLine?(line: string): void;
  /** The start of the error message when ffmpeg fails ("ffmpeg could not join the parts"). */
  failure: string;
  /** The error to reject with when `signal` aborts. */
  cancelled(): Error;
}

/** Runs ffmpeg with `args` (which must include `-progress pipe:1`); resolves when it exits 0. */
export function runFfmpeg(ffmpeg: string, args: readonly string[], o: RunFfmpegOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(o.cancelled());
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffered = '';
    const abort = () => child.kill('SIGKILL');
    o.signal.addEventListener('abort', abort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.trim();
        o.onProgressLine?.(line);
        const m = /^out_time_(?:us|ms)=(\d+)/.exec(line);
        if (m && o.durationSeconds && o.durationSeconds > 0) o.onProgress(Math.min(1, Number(m[1]) / 1e6 / o.durationSeconds));
        else if (line === 'progress=end') o.onProgress(1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      stderr = (stderr + t).slice(-4000);
    });
    child.on('error', (err) => {
      o.signal.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (code) => {
      o.signal.removeEventListener('abort', abort);
      if (o.signal.aborted) return reject(o.cancelled());
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').slice(-3).join(' ').trim();
      reject(new Error(`${o.failure}${last ? `: ${last}` : ` (exit code ${code})`}.`));
    });
  });
}
