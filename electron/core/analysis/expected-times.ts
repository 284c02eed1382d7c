// How long an analysis takes here, measured, not guessed: the medians of the latest completed analyses that ran with
// the same model files (model and projector sha256, or the same server and model id) on the same device line (which
// names the backend, the CPU or GPU and the thread count). Used to say how long a wait will be before it starts
// (the phase timeline) and while it runs (the analysis panel).
import type { Database } from 'better-sqlite3';
import type { AnalysisTimings, ExpectedTimes, Provenance } from '../../api/schemas';

const LATEST = 20;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The expected times for analyses that would run as `p` describes (the loaded model now); null before any ran. */
export function expectedTimes(db: Database, p: Pick<Provenance, 'modelSha256' | 'mmprojSha256' | 'device' | 'serverUrl' | 'remoteModel'>): ExpectedTimes | null {
  const rows = db
    .prepare<[string, string, string, string, string], { timings_json: string }>(
      `SELECT timings_json FROM analyses
        WHERE status = 'completed' AND model_sha256 = ?
          AND json_extract(provenance_json, '$.mmprojSha256') = ?
          AND json_extract(provenance_json, '$.device') = ?
          AND coalesce(json_extract(provenance_json, '$.serverUrl'), '') = ?
          AND coalesce(json_extract(provenance_json, '$.remoteModel'), '') = ?
        ORDER BY id DESC LIMIT ${LATEST}`,
    )
    .all(p.modelSha256, p.mmprojSha256, p.device, p.serverUrl ?? '', p.remoteModel ?? '');
  const timings = rows.map((r) => JSON.parse(r.timings_json) as AnalysisTimings).filter((t) => t.imageEncoded !== false && t.totalMs > 0);
  if (timings.length === 0) return null;
  const of = (pick: (t: AnalysisTimings) => number | null | undefined) => median(timings.map(pick).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)));
  return {
    basedOn: timings.length,
    device: p.device,
    onCpu: /^cpu\b/i.test(p.device),
    encodeMs: of((t) => t.encodeMs),
    firstTokenMs: of((t) => t.timeToFirstTokenMs),
    tokensPerSecond: of((t) => t.decodeTokensPerSecond),
    analysisMs: of((t) => t.totalMs)!,
  };
}
