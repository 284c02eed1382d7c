// The department's fair queue (electron/core/department/fair-queue.ts): one GPU shared by many reviewers. Tasks here
// are promises the test settles by hand, so every assertion is about order, never about time.
import { describe, expect, it } from 'vitest';
import { WorkstationError } from '../../electron/api/errors';
import { createFairQueue, type FairQueue } from '../../electron/core/department/fair-queue';

interface Held {
  name: string;
  signal: AbortSignal;
  finish(): void;
}

/** A queue whose tasks wait until the test finishes them; `started` lists them in the order they began. */
function harness(concurrency = 1) {
  const queue: FairQueue<string> = createFairQueue<string>({ concurrency });
  const started: Held[] = [];
  const finished: string[] = [];
  const positions = new Map<string, number[]>();
  const ids = new Map<string, number>();
  const submit = (user: string, name: string) => {
    const job = queue.submit(
      user,
      (signal) =>
        new Promise<string>((resolve, reject) => {
          const held = { name, signal, finish: () => resolve(name) };
          started.push(held);
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
      { onQueued: (p) => positions.set(name, [...(positions.get(name) ?? []), p]) },
    );
    ids.set(name, job.id);
    job.result.then((n) => finished.push(n), () => finished.push(`${name} (cancelled)`));
    return job;
  };
  /** Finishes the oldest running task and lets the queue start the next one. */
  const finishNext = async () => {
    const running = started.filter((h) => !finished.includes(h.name) && !finished.includes(`${h.name} (cancelled)`));
    running[0]!.finish();
    await new Promise((r) => setImmediate(r));
  };
  const drain = async () => {
    while (queue.running > 0) await finishNext();
  };
  return { queue, started, finished, positions, ids, submit, finishNext, drain };
}

describe('the fair queue', () => {
  it("gives another user's single frame the next free slot, ahead of the rest of a long timeline", async () => {
    const h = harness();
    for (let i = 1; i <= 8; i++) h.submit('alice', `A${i}`);
    h.submit('bob', 'B1');
    await h.drain();
    // A plain FIFO would run all eight of Alice's frames first.
    expect(h.finished).toEqual(['A1', 'B1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
    expect(h.finished.indexOf('B1')).toBeLessThan(h.finished.indexOf('A3'));
  });

  it('takes turns between users with waiting work, each user first come first served', async () => {
    const h = harness();
    for (const n of ['A1', 'A2', 'A3']) h.submit('alice', n);
    for (const n of ['B1', 'B2', 'B3']) h.submit('bob', n);
    h.submit('carol', 'C1');
    await h.drain();
    expect(h.finished).toEqual(['A1', 'B1', 'C1', 'A2', 'B2', 'A3', 'B3']);
  });

  it('says where each job stands, and moves a long line back when someone new arrives', async () => {
    const h = harness();
    const a1 = h.submit('alice', 'A1');
    const a2 = h.submit('alice', 'A2');
    const a3 = h.submit('alice', 'A3');
    expect([h.queue.position(a1.id), h.queue.position(a2.id), h.queue.position(a3.id)]).toEqual([0, 1, 2]);
    expect(h.queue.state(a1.id)).toBe('running');
    const b1 = h.submit('bob', 'B1');
    expect(h.queue.position(b1.id)).toBe(1);
    expect([h.queue.position(a2.id), h.queue.position(a3.id)]).toEqual([2, 3]);
    // Each job heard its position every time it changed.
    expect(h.positions.get('A2')).toEqual([1, 2]);
    expect(h.positions.get('B1')).toEqual([1]);
    await h.finishNext();
    expect(h.queue.position(b1.id)).toBe(0);
    expect([h.queue.position(a2.id), h.queue.position(a3.id)]).toEqual([1, 2]);
    expect(h.positions.get('A2')).toEqual([1, 2, 1]);
    await h.drain();
    expect(h.queue.position(a3.id)).toBeNull();
    expect(h.queue.state(a3.id)).toBe('finished');
  });

  it('cancels a queued job: it never starts, its result says cancelled, the jobs behind it move up', async () => {
    const h = harness();
    h.submit('alice', 'A1');
    const a2 = h.submit('alice', 'A2');
    const a3 = h.submit('alice', 'A3');
    expect(h.queue.cancel(a2.id)).toBe(true);
    await expect(a2.result).rejects.toMatchObject({ code: 'cancelled' });
    expect(h.queue.position(a3.id)).toBe(1);
    expect(h.queue.cancel(a2.id)).toBe(false); // already gone
    await h.drain();
    expect(h.started.map((s) => s.name)).toEqual(['A1', 'A3']);
  });

  it('cancels a running job through its AbortSignal, and the next job starts only once it has stopped', async () => {
    const h = harness();
    const a1 = h.submit('alice', 'A1');
    h.submit('bob', 'B1');
    expect(h.queue.cancel(a1.id, 'Stopped by the reviewer.')).toBe(true);
    expect(h.started[0]!.signal.aborted).toBe(true);
    const err = await a1.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkstationError);
    expect(err).toMatchObject({ code: 'cancelled', message: 'Stopped by the reviewer.' });
    await new Promise((r) => setImmediate(r));
    expect(h.started.map((s) => s.name)).toEqual(['A1', 'B1']);
    await h.drain();
    expect(h.finished).toEqual(['A1 (cancelled)', 'B1']);
  });

  it("cancels all of one user's jobs, queued and running, and no one else's", async () => {
    const h = harness();
    for (const n of ['A1', 'A2', 'A3']) h.submit('alice', n);
    h.submit('bob', 'B1');
    expect(h.queue.cancelUser('alice')).toBe(3);
    expect(h.queue.owner(h.ids.get('B1')!)).toBe('bob');
    await h.drain();
    expect(h.finished).toEqual(expect.arrayContaining(['A1 (cancelled)', 'A2 (cancelled)', 'A3 (cancelled)', 'B1']));
    expect(h.started.map((s) => s.name)).toEqual(['A1', 'B1']);
    expect(h.queue.cancelUser('alice')).toBe(0);
  });

  it('runs as many tasks at once as its concurrency allows, still sharing turns', async () => {
    const h = harness(2);
    for (const n of ['A1', 'A2', 'A3', 'A4']) h.submit('alice', n);
    h.submit('bob', 'B1');
    expect(h.queue.running).toBe(2);
    expect(h.queue.position(h.ids.get('B1')!)).toBe(1);
    await h.drain();
    expect(h.started.map((s) => s.name)).toEqual(['A1', 'A2', 'B1', 'A3', 'A4']);
  });

  it('a task that throws frees its slot for the next', async () => {
    const queue = createFairQueue<number>();
    const bad = queue.submit('alice', () => {
      throw new Error('no frame');
    });
    const good = queue.submit('alice', async () => 7);
    await expect(bad.result).rejects.toThrow('no frame');
    await expect(good.result).resolves.toBe(7);
    expect(() => createFairQueue({ concurrency: 0 })).toThrow(RangeError);
  });
});
