// Peak resident memory of this process and all its descendants together (the inference worker included), sampled
// from /proc on Linux. Elsewhere only this process's own peak (process.resourceUsage) is known: `whole` says which.
import { readdirSync, readFileSync } from 'node:fs';

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // ended meanwhile
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // ended meanwhile
  }
  return out;
}

/** RSS of `root` and its descendants, in kB. */
export function treeRssKb(root = process.pid): number {
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    total += rssKb(pid);
    todo.push(...children(pid));
  }
  return total;
}

export interface TreeRssSampler {
  /** The highest sum seen so far, in MB (on Linux; elsewhere this process's own peak). */
  peakMb(): number;
  /** Whether the number covers the whole process tree. */
  whole: boolean;
  stop(): void;
}

export function sampleTreeRss(intervalMs = 200): TreeRssSampler {
  const linux = process.platform === 'linux';
  let peakKb = 0;
  const sample = (): void => {
    peakKb = Math.max(peakKb, treeRssKb());
  };
  const timer = linux ? setInterval(sample, intervalMs) : null;
  timer?.unref();
  if (linux) sample();
  return {
    whole: linux,
    peakMb: () => {
      if (!linux) return Math.round(process.resourceUsage().maxRSS / 1024);
      sample();
      return Math.round(peakKb / 1024);
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
