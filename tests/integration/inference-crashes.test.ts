// The inference process failing in the ways that used to hang or loop: dying before it is ready, crashing on every
// load, and hanging mid-analysis. The real worker process (child_process.fork of worker-main) and the tiny model;
// the failures are real signals sent to that process.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceStatus } from '../../electron/api/schemas';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient, type InferenceClient } from '../../electron/inference/inference-client';
import type { SpawnWorker } from '../../electron/inference/worker-handle';
import { makePng } from '../fixtures/images';
import { ensureTestModel, type TinyGemma3Paths } from '../fixtures/test-model';

let model: TinyGemma3Paths;
let client: InferenceClient | null = null;
beforeAll(async () => {
  model = await ensureTestModel(224);
});
afterEach(async () => {
  await client?.close();
  client = null;
});

/** A client over real forked workers that records every status and every process it started. */
function start(options: Partial<Parameters<typeof createInferenceClient>[0]> = {}) {
  const statuses: InferenceStatus[] = [];
  const spawned: Array<{ pid: number | undefined; at: number }> = [];
  const waiters = new Set<() => void>();
  const spawnWorker: SpawnWorker = () => {
    const w = forkWorker();
    spawned.push({ pid: w.pid, at: Date.now() });
    return w;
  };
  const c = createInferenceClient({
    spawnWorker,
    onStatus: (s) => {
      statuses.push(s);
      for (const w of [...waiters]) w();
    },
    ...options,
  });
  client = c;
  const waitFor = (match: (s: InferenceStatus) => boolean, timeoutMs = 60_000) =>
    new Promise<InferenceStatus>((resolve, reject) => {
      const from = statuses.length;
      const check = () => {
        const hit = statuses.slice(from).find(match);
        if (!hit) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such status; last: ${JSON.stringify(statuses.at(-1))}`));
      }, timeoutMs);
      waiters.add(check);
    });
  return { client: c, statuses, spawned, waitFor };
}

const load = () => ({ modelPath: model.modelPath, mmprojPath: model.mmprojPath, device: 'cpu' as const, contextSize: 2048 });
const alive = (pid: number | undefined) => {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
};

describe('inference process failures', () => {
  it('a worker killed before it is ready fails the load with a clear message instead of waiting forever', async () => {
    const { client: c } = start();
    const loading = c.load(load());
    const pid = c.workerPid!;
    process.kill(pid, 'SIGKILL'); // the process has not finished starting (it takes far longer than this)
    await expect(loading).rejects.toThrow(/model process was killed \(SIGKILL\) before it was ready/);
    expect(c.status().state).toBe('no-model');
    // Nothing left stuck: the next load starts a fresh process and works.
    await c.load(load());
    expect(c.status().state).toBe('ready');
  });

  it('a model that crashes on load three times is unloaded with a message, restarts come after a growing pause, and it can be loaded again', async () => {
    const { client: c, spawned, waitFor } = start({ crashPolicy: { backoffBaseMs: 300, maxCrashes: 3, windowMs: 120_000 } });
    await c.load(load());
    // Crash 1 while ready; crashes 2 and 3 while the restarted process loads the model again.
    const kills: number[] = [];
    for (let crash = 1; crash <= 3; crash++) {
      const pid = c.workerPid!;
      kills.push(Date.now());
      const crashed = crash < 3 ? waitFor((s) => s.state === 'crashed') : waitFor((s) => s.state === 'error');
      process.kill(pid, 'SIGKILL');
      await crashed;
      if (crash < 3) {
        await waitFor((s) => s.state === 'loading'); // the restart, after its pause
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const st = c.status();
    expect(st.state).toBe('error');
    expect(st.model).toBeNull();
    expect(st.message).toMatch(/stopped 3 times within 2 minutes/);
    expect(st.message).toMatch(/Load again/);
    // Restarts waited 300 ms, then 600 ms: each process started at least that long after the kill before it.
    expect(spawned).toHaveLength(3);
    expect(spawned[1]!.at - kills[0]!).toBeGreaterThanOrEqual(300);
    expect(spawned[2]!.at - kills[1]!).toBeGreaterThanOrEqual(600);
    // No further process is started on its own.
    await new Promise((r) => setTimeout(r, 1500));
    expect(spawned).toHaveLength(3);
    expect(c.workerPid).toBeUndefined();
    await expect(c.analyze('x', { image: makePng(32, 32), prompt: 'Describe.', maxTokens: 4 })).rejects.toThrow(/No model is loaded/);
    // "Load again" is an ordinary load: it works, with the crash count reset.
    await c.load(load());
    expect(c.status().state).toBe('ready');
  }, 120_000);

  it('the watchdog ends a process that stops answering during an analysis, and the model comes back', async () => {
    const { client: c, waitFor } = start({ watchdogMs: 1500, crashPolicy: { backoffBaseMs: 50 } });
    await c.load(load());
    const pid = c.workerPid!;
    let tokens = 0;
    const analysis = c.analyze('hang', { image: makePng(64, 64), prompt: 'Describe the frame.', maxTokens: 100_000 }, {
      onToken: () => {
        tokens++;
        if (tokens === 3) process.kill(pid, 'SIGSTOP'); // hung: alive, but silent
      },
    });
    await expect(analysis).rejects.toThrow(/stopped answering \(no output for \d+ s during an analysis\)/);
    await waitFor((s) => s.state === 'ready' && /stopped answering/.test(s.message ?? ''));
    expect(alive(pid)).toBe(false);
    expect(c.workerPid).not.toBe(pid);
    const r = await c.analyze('after', { image: makePng(64, 64), prompt: 'Describe the frame.', maxTokens: 4 });
    expect(r.generatedTokens).toBeGreaterThan(0);
  }, 120_000);
  it('a long silent image encode is not a hang: the process sends heartbeats while it works, so the watchdog lets it finish', async () => {
    // The encode runs off the worker's thread and sends nothing for minutes at the real size on a CPU (about 260 s
    // against the watchdog's 180 s: every full-size analysis was killed). Heartbeats fill that silence; a process
    // that is stopped or blocked sends none (the watchdog test above). Here: the real worker, the 896 model (256 image
    // tokens encoded before the first token), heartbeats asked every 10 ms.
    const big = await ensureTestModel(896);
    const w = forkWorker();
    const seen: Array<{ type: string; at: number }> = [];
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => {
      w.onMessage((m) => {
        const type = (m as { type: string }).type;
        seen.push({ type, at: performance.now() - t0 });
        if (type === 'loaded') w.send({ type: 'analyze', id: 'a', heartbeatMs: 10, image: makePng(64, 64), prompt: 'Describe the frame.', maxTokens: 4 });
        if (type === 'done' || type === 'error') resolve();
      });
    });
    w.send({ type: 'load', id: 'l', modelPath: big.modelPath, mmprojPath: big.mmprojPath, device: 'cpu', contextSize: 2048 });
    await done;
    w.kill();
    expect(seen.map((m) => m.type)).toContain('done');
    const started = seen.find((m) => m.type === 'started')!;
    const firstToken = seen.find((m) => m.type === 'token')!;
    const beats = seen.filter((m) => m.type === 'alive' && m.at > started.at && m.at < firstToken.at);
    // Between the start and the first token (the encode), the process said it was alive, again and again.
    expect(beats.length, `heartbeats in ${Math.round(firstToken.at - started.at)} ms before the first token`).toBeGreaterThanOrEqual(2);
  }, 120_000);
  it('cancel means now: a process that cannot act on the cancel (as during the image encode) is ended after 1 s, the answer so far kept, the model loaded again; not a crash', async () => {
    const { client: c, waitFor } = start();
    await c.load(load());
    const pid = c.workerPid!;
    let streamed = '';
    let stopped = false;
    let cancelledAt = 0;
    // SIGSTOP right after the first tokens: the process is alive but does nothing, as while llama.cpp encodes an image
    // (that cannot be interrupted; minutes at the real size on a CPU).
    const analysis = c.analyze('stuck', { image: makePng(64, 64), prompt: 'Describe the frame.', maxTokens: 100_000 }, {
      onToken: (t) => {
        streamed += t;
        if (!stopped) {
          stopped = true;
          process.kill(pid, 'SIGSTOP');
          setTimeout(() => {
            cancelledAt = performance.now();
            c.cancel('stuck');
          }, 200);
        }
      },
    });
    const r = await analysis;
    const waited = performance.now() - cancelledAt;
    expect(r.stopReason).toBe('aborted');
    expect(r.text).toBe(streamed);
    expect(waited).toBeLessThan(2_000); // the grace (1 s) and the kill, not the rest of the work
    console.log(`[cancel-now] the cancelled analysis returned ${Math.round(waited)} ms after Cancel`);
    await waitFor((s) => s.state === 'ready');
    expect(alive(pid)).toBe(false);
    expect(c.workerPid).not.toBe(pid);
    expect(c.status().message).toBeNull(); // a reload, not a crash message
    const next = await c.analyze('after', { image: makePng(64, 64), prompt: 'Describe the frame.', maxTokens: 4 });
    expect(next.generatedTokens).toBeGreaterThan(0);
  }, 120_000);

  it('a cancel the process acts on at once keeps the process and the model', async () => {
    const { client: c } = start();
    await c.load(load());
    const pid = c.workerPid!;
    let n = 0;
    const analysis = c.analyze('quick', { image: makePng(64, 64), prompt: 'Describe the frame.', maxTokens: 100_000 }, {
      onToken: () => {
        if (++n === 2) c.cancel('quick');
      },
    });
    expect((await analysis).stopReason).toBe('aborted');
    await new Promise((r) => setTimeout(r, 1_300)); // past the grace: nothing was ended
    expect(c.workerPid).toBe(pid);
    expect(c.status().state).toBe('ready');
  }, 60_000);
});
