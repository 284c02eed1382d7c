// The CPU threads the local engine gives llama.cpp: one per math core (at most 8), WORKSTATION_THREADS overriding.
import type { Llama } from 'node-llama-cpp';
import { afterEach, describe, expect, it } from 'vitest';
import { threadCount } from '../../electron/inference/engines/local-engine';

const withCores = (n: number) => ({ cpuMathCores: n }) as unknown as Llama;

describe('threadCount', () => {
  const saved = process.env.WORKSTATION_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.WORKSTATION_THREADS;
    else process.env.WORKSTATION_THREADS = saved;
  });

  it('uses every math core, also on a 2-core laptop (2 threads encode a real-size frame in 257 s, 1 in 445 s)', () => {
    delete process.env.WORKSTATION_THREADS;
    expect(threadCount(withCores(2))).toBe(2);
    expect(threadCount(withCores(1))).toBe(1);
    expect(threadCount(withCores(6))).toBe(6);
    expect(threadCount(withCores(24))).toBe(8);
  });

  it('takes WORKSTATION_THREADS when it is a positive whole number, and ignores it otherwise', () => {
    process.env.WORKSTATION_THREADS = '3';
    expect(threadCount(withCores(2))).toBe(3);
    process.env.WORKSTATION_THREADS = 'many';
    expect(threadCount(withCores(2))).toBe(2);
    process.env.WORKSTATION_THREADS = '0';
    expect(threadCount(withCores(4))).toBe(4);
  });
});
