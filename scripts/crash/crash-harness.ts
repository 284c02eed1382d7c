// The crash test: a child process writes annotations and captures frames through the real data layer and
// acknowledges each commit; the parent SIGKILLs it at a random moment, then checks that the library passes PRAGMA
// integrity_check, holds every acknowledged annotation exactly (id, frame, kind, geometry), deleted ones gone, and
// every acknowledged captured frame, and that every committed frame row has a whole file (its recorded size and
// sha256). The write in flight at the kill may or may not have landed; nothing else may differ. The library carries over from kill
// to kill, so later rounds also check the recovery of earlier ones.
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../electron/core/db/connection';
import { checkFrames } from '../../electron/core/frames/check-frames';
import { createFrameStore } from '../../electron/core/frames/frame-store';
import { seedReview } from '../../tests/fixtures/review-library';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.join(HERE, 'crash-writer.ts');
const NODE_MODULES = path.resolve(HERE, '..', '..', 'node_modules');

interface Expected {
  frameId: number;
  kind: string;
  geometry: string;
}

export interface CrashRound {
  round: number;
  killedAfterMs: number;
  acknowledged: number;
  integrity: string;
  missing: number;
  wrong: number;
  /** The write in flight at the kill: 'landed', 'lost' (never acknowledged, so allowed either way) or 'none'. */
  inFlight: 'landed' | 'lost' | 'none';
  /** Captured frames in the library after the kill, each checked against its file. */
  frames: number;
}

export interface CrashResult {
  rounds: CrashRound[];
  totalAcknowledged: number;
  annotations: number;
  /** Captured frames in the library at the end, every one with a whole, verified file. */
  frames: number;
  failures: string[];
  file: string;
}

/**
 * The writer bundled once with esbuild (better-sqlite3 loaded from the repository's node_modules through NODE_PATH), so each round starts in a fraction
 * of a second instead of compiling TypeScript again.
 */
async function bundleWriter(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = path.join(dir, 'crash-writer.cjs');
  await build({
    entryPoints: [WRITER],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'pngjs'],
    logLevel: 'error',
  });
  return out;
}

/** Runs the writer until it has said READY and then for `delayMs`, kills it with SIGKILL; returns its stdout. */
function runAndKill(writer: string, file: string, seed: number, delayMs: number): Promise<{ out: string; ranMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, file, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: NODE_MODULES } });
    let out = '';
    let err = '';
    let readyAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!readyAt && out.includes('READY\n')) {
        readyAt = Date.now();
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`The writer exited on its own (code ${code}, signal ${signal}): ${err.slice(-2000)}`));
      else resolve({ out, ranMs: readyAt ? Date.now() - readyAt : 0 });
    });
  });
}

export async function runCrashTest(o: { kills: number; dir?: string; maxDelayMs?: number; log?: (line: string) => void; seed?: number }): Promise<CrashResult> {
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'crash-test-'));
  const file = path.join(dir, 'library.sqlite');
  const setup = openDatabase(file);
  seedReview(setup, { code: 'CRASH-1', frames: 8 });
  setup.close();
  const writer = await bundleWriter(dir);

  const expected = new Map<number, Expected>();
  const capturedFrames = new Set<number>();
  const store = createFrameStore(dir);
  let frameCount = 0;
  const rounds: CrashRound[] = [];
  const failures: string[] = [];
  let totalAcknowledged = 0;
  const seed = o.seed ?? (Date.now() & 0x7fffffff) | 1;
  let random = seed;
  const rand = () => {
    random = (random * 1103515245 + 12345) & 0x7fffffff;
    return random / 0x7fffffff;
  };

  for (let round = 1; round <= o.kills; round++) {
    const delay = Math.round(5 + rand() * (o.maxDelayMs ?? 400));
    const { out, ranMs } = await runAndKill(writer, file, seed + round, delay);
    const lines = out.split('\n');
    if (!out.endsWith('\n')) lines.pop(); // a half-written line: the kill landed inside the print, no ACK
    let pending: string | null = null;
    let acknowledged = 0;
    for (const line of lines) {
      const parts = line.split(' ');
      if (parts[0] === 'TRY') pending = line;
      else if (parts[0] === 'ACK') {
        pending = null;
        acknowledged++;
        const id = Number(parts[2]);
        if (parts[1] === 'create') expected.set(id, { frameId: Number(parts[3]), kind: parts[4]!, geometry: parts.slice(5).join(' ') });
        else if (parts[1] === 'update') expected.set(id, { ...expected.get(id)!, geometry: parts.slice(3).join(' ') });
        else if (parts[1] === 'delete') expected.delete(id);
        else if (parts[1] === 'capture') capturedFrames.add(id);
      }
    }
    totalAcknowledged += acknowledged;

    const db = new BetterSqlite3(file);
    const integrity = (db.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    const rows = db.prepare('SELECT id, frame_id, kind, geometry_json FROM annotations').all() as Array<{ id: number; frame_id: number; kind: string; geometry_json: string }>;
    // The full-text index agrees with its content, and each annotation's newest audit row shows it as it is.
    try {
      db.prepare("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')").run();
    } catch (err) {
      failures.push(`round ${round}: the search index is inconsistent: ${(err as Error).message}`);
    }
    const audit = db
      .prepare(
        `SELECT entity_id AS id, after_json AS after FROM audit_log WHERE id IN
           (SELECT max(id) FROM audit_log WHERE entity = 'annotation' GROUP BY entity_id)`,
      )
      .all() as Array<{ id: number; after: string | null }>;
    // Every committed frame row has a whole file; every acknowledged capture is there.
    const frameCheck = checkFrames(db, store);
    const captureRows = new Set(db.prepare("SELECT id FROM frames WHERE source_name LIKE 'crash-capture %'").pluck().all() as number[]);
    db.close();
    for (const d of frameCheck.damaged) {
      if (captureRows.has(d.frameId)) failures.push(`round ${round}: frame ${d.frameId}'s file is not whole (${d.problem}, ${d.actualBytes} of ${d.expectedBytes} bytes)`);
    }
    for (const id of capturedFrames) if (!captureRows.has(id)) failures.push(`round ${round}: acknowledged captured frame ${id} is missing`);
    frameCount = captureRows.size;
    if (pending === 'TRY capture' && captureRows.size > capturedFrames.size) {
      for (const id of captureRows) capturedFrames.add(id); // the unacknowledged capture landed (allowed)
    }
    for (const id of captureRows) if (!capturedFrames.has(id)) failures.push(`round ${round}: frame ${id} exists but was never acknowledged`);
    const lastAudit = new Map(audit.map((a) => [a.id, a.after === null ? null : JSON.stringify((JSON.parse(a.after) as { geometry: unknown }).geometry)]));
    for (const r of rows) {
      if (lastAudit.get(r.id) !== r.geometry_json) failures.push(`round ${round}: annotation ${r.id} and its audit log disagree`);
    }

    const actual = new Map(rows.map((r) => [r.id, r]));
    let missing = 0;
    let wrong = 0;
    // The write in flight may have committed without its ACK: allow exactly that difference.
    const target = pending ? /^TRY (?:update|delete) (\d+)$/.exec(pending) : null;
    const inFlightId = target ? Number(target[1]) : null;
    const inFlightCreate = pending === 'TRY create';
    let inFlight: CrashRound['inFlight'] = pending ? 'lost' : 'none';
    for (const [id, want] of expected) {
      const got = actual.get(id);
      if (!got) {
        if (id === inFlightId && pending?.startsWith('TRY delete')) {
          inFlight = 'landed';
          expected.delete(id);
          continue;
        }
        missing++;
        failures.push(`round ${round}: acknowledged annotation ${id} is missing`);
        continue;
      }
      const same = got.frame_id === want.frameId && got.kind === want.kind && got.geometry_json === want.geometry;
      if (!same) {
        if (id === inFlightId && pending?.startsWith('TRY update')) {
          inFlight = 'landed';
          expected.set(id, { ...want, geometry: got.geometry_json }); // the unacknowledged move landed
          continue;
        }
        wrong++;
        failures.push(`round ${round}: annotation ${id} differs from what was acknowledged`);
      }
    }
    for (const [id, row] of actual) {
      if (expected.has(id)) continue;
      if (inFlightCreate && inFlight !== 'landed') {
        inFlight = 'landed';
        expected.set(id, { frameId: row.frame_id, kind: row.kind, geometry: row.geometry_json });
        continue;
      }
      failures.push(`round ${round}: annotation ${id} exists but was never acknowledged`);
    }
    if (integrity !== 'ok') failures.push(`round ${round}: integrity_check says ${integrity}`);
    rounds.push({ round, killedAfterMs: ranMs, acknowledged, integrity, missing, wrong, inFlight, frames: captureRows.size });
    o.log?.(
      `round ${String(round).padStart(3)}: killed after ${String(ranMs).padStart(4)} ms, ${String(acknowledged).padStart(5)} acknowledged, ` +
        `integrity ${integrity}, missing ${missing}, wrong ${wrong}, in flight: ${inFlight}, ${captureRows.size} captured frames verified`,
    );
  }
  return { rounds, totalAcknowledged, annotations: expected.size, frames: frameCount, failures, file };
}
