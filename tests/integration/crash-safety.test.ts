// Crash safety: a child process writes annotations and captures frames through the real data layer and acknowledges each commit;
// it is SIGKILLed at random moments (10 times here, 50 with `npm run crash-test`). After each kill the library
// passes integrity_check and holds every acknowledged annotation exactly.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCrashTest } from '../../scripts/crash/crash-harness';

describe('crash safety', () => {
  it('keeps every acknowledged annotation through 10 SIGKILLs at random moments', async () => {
    const result = await runCrashTest({ kills: 10, maxDelayMs: 300 });
    try {
      expect(result.failures).toEqual([]);
      expect(result.rounds).toHaveLength(10);
      expect(result.rounds.every((r) => r.integrity === 'ok')).toBe(true);
      expect(result.totalAcknowledged).toBeGreaterThan(100);
      expect(result.frames).toBeGreaterThan(0); // frames were captured, and every one's file checked whole
    } finally {
      fs.rmSync(result.file.replace(/\/library\.sqlite$/, ''), { recursive: true, force: true });
    }
  }, 120_000);
});
