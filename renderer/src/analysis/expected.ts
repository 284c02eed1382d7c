// Honest waiting: how long an analysis takes with the loaded model on this computer (medians of the analyses that ran
// here: analysis.expected) and the time a running analysis has taken so far (the words: wait-text.ts).
import { useEffect, useRef, useState } from 'react';
import type { ExpectedTimes } from '../../../electron/api/schemas';
import { api } from '../api';
import { useInference } from '../app/inference-context';

/** The loaded model's expected times here; asked again when the model, its device or `refreshKey` changes. */
export function useExpectedTimes(refreshKey: unknown): ExpectedTimes | null {
  const { status } = useInference();
  const [expected, setExpected] = useState<ExpectedTimes | null>(null);
  const ready = status?.state === 'ready';
  const device = status?.device?.names.join('|') ?? '';
  useEffect(() => {
    if (!ready) {
      setExpected(null);
      return;
    }
    let alive = true;
    api.analysis.expected({}).then(
      (e) => alive && setExpected(e),
      () => alive && setExpected(null),
    );
    return () => {
      alive = false;
    };
  }, [ready, device, refreshKey]);
  return expected;
}

/** Milliseconds since `running` became true (for this `key`), ticking once a second; null when not running. */
export function useElapsed(running: boolean, key: string | null): number | null {
  const since = useRef<{ key: string | null; at: number } | null>(null);
  const [, tick] = useState(0);
  if (running && since.current?.key !== key) since.current = { key, at: performance.now() };
  if (!running) since.current = null;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [running]);
  return since.current ? performance.now() - since.current.at : null;
}
