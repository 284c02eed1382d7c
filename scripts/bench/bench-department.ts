// `npm run bench:department -- [--reviewers 25] [--seconds 60] [--reviews 5] [--think-ms 250] [--seed-annotations 50000]
//    [--no-restart] [--fsync] [--json]`
// The department server under a department's reviewers: a throwaway PostgreSQL server (tests/fixtures/postgres.ts),
// seeded with a library to search, the real server CLI on loopback (plain HTTP: loopback only), and N simulated
// reviewers sharing a few reviews. Each loops: open a review (GET it and its annotations, watching its event stream),
// draw an annotation, move one it read (with the version it read; a conflict is retried the way a reviewer would,
// after a reload), write a note on the review (a new one, or add a line to the one it wrote there before, with the
// version it read), search annotations, notes and tags (full-text: GET /api/search/all), with think time between.
// Half-way through, PostgreSQL is restarted (immediate stop, crash recovery): requests that fail while it is down are
// retried and not counted as acknowledged; afterwards every acknowledged write (annotations and notes) must be in the
// database (its audit row and its row at that version or later): lost_after_restart. Errors: anything but a success or a conflict,
// outside the restart window. Logins are not measured (the accounts are made with a cheap scrypt cost).
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createAccounts } from '../../electron/core/department/accounts';
import { openLibraryDb } from '../../electron/core/department/db';
import type { LibraryAnnotation, LibraryNote } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { agentFor, DepartmentClient, type EventStream, type RawRequest } from '../../electron/core/department/client';
import { FAST_SCRYPT } from '../../tests/fixtures/department-library';
import { restartPostgres, startPostgres } from '../../tests/fixtures/postgres';
import { seededRandom } from '../../tests/fixtures/random';
import { jsonAwareLog, printResult, runBench } from './cli';
import { percentile, r1 } from './stats';

const { values: v } = parseArgs({
  options: {
    reviewers: { type: 'string', default: '25' },
    seconds: { type: 'string', default: '60' },
    reviews: { type: 'string', default: '5' },
    'think-ms': { type: 'string', default: '250' },
    'seed-annotations': { type: 'string', default: '50000' },
    'no-restart': { type: 'boolean' },
    fsync: { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const log = jsonAwareLog(v.json);
const PASSWORD = 'bench-password-123';
const WORDS = ['capsulorhexis', 'phacoemulsification', 'incision', 'hydrodissection', 'lens implantation', 'viscoelastic', 'irrigation-aspiration', 'cystotome', 'Katena forceps', 'spatula'];
// Full-text: the start of a word as typed, whole words, a stem ("tears"), two words.
const SEARCHES = ['capsul', 'phaco', 'forceps', 'lens', 'incision', 'spatula', 'visco', 'hydro', 'tears', 'lens implantation', 'wound leak', 'rhexis'];
const NOTE_LINES = ['Rhexis slightly small, enlarged later.', 'Posterior capsule intact, no tears seen.', 'Wound leak checked: watertight.', 'Nucleus cracked in four quadrants.', 'Cortex fully aspirated.', 'IOL centred in the bag.'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stats {
  writeMs: number[];
  /** The server's own share of each write (its Server-Timing header). */
  writeServerMs: number[];
  /** When each of writeMs ended (to leave out the restart window). */
  writeAt: number[];
  readMs: number[];
  searchMs: number[];
  conflicts: number;
  conflictsResolved: number;
  retried: number;
  errors: number;
  errorSamples: string[];
  events: number;
}

/** Acknowledged writes: 'annotation:12' / 'note:5' → the versions the server said it wrote. */
const acked = new Map<string, number[]>();
let notesWritten = 0;
let ackedAfterRestart = 0;
let restart: { from: number; to: number | null } | null = null;
/** The server process ended before the run did: the reviewers stop. */
let serverGone = false;

function inRestartWindow(now: number): boolean {
  return restart !== null && now >= restart.from && (restart.to === null || now <= restart.to + 3000);
}

type Outcome = { status: number; value?: unknown; message?: string };

/** One request, retried while the database is unreachable (503, or the connection dropped). */
async function request(client: DepartmentClient, req: RawRequest, kind: 'write' | 'read' | 'search', s: Stats): Promise<Outcome> {
  const giveUp = Date.now() + 30_000;
  for (;;) {
    const t0 = performance.now();
    let status = 0;
    let text = '';
    let serverMs = NaN;
    try {
      const res = await client.raw(req);
      ({ status, text } = res);
      serverMs = Number(/dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1]);
    } catch (err) {
      text = (err as Error).message;
    }
    const ms = performance.now() - t0;
    const body = (() => {
      try {
        return JSON.parse(text) as { value?: unknown; error?: { message: string } };
      } catch {
        return {};
      }
    })();
    if (status >= 200 && status < 300) {
      (kind === 'write' ? s.writeMs : kind === 'read' ? s.readMs : s.searchMs).push(ms);
      if (kind === 'write') {
        s.writeAt.push(Date.now());
        s.writeServerMs.push(serverMs);
      }
      return { status, value: body.value };
    }
    if (status === 409) return { status, message: body.error?.message ?? '' };
    const transient = status === 503 || status === 0;
    if (!transient || !inRestartWindow(Date.now()) || Date.now() > giveUp) {
      s.errors++;
      if (s.errorSamples.length < 5) s.errorSamples.push(`${req.method} ${req.path} → ${status} ${body.error?.message ?? text}`.slice(0, 300));
      return { status };
    }
    s.retried++;
    await sleep(200);
  }
}

function ack(a: { id: number; version: number }, entity: 'annotation' | 'note' = 'annotation'): void {
  const key = `${entity}:${a.id}`;
  const versions = acked.get(key) ?? [];
  versions.push(a.version);
  acked.set(key, versions);
  if (entity === 'note') notesWritten++;
  if (restart?.to != null && Date.now() > restart.to) ackedAfterRestart++;
}

/**
 * A change to an annotation, based on the version last read; on "Changed by …" the reviewer reloads the review and
 * makes the change again on what is there now (at most 3 tries). Returns the annotations as last read.
 */
async function save(client: DepartmentClient, reviewId: number, first: LibraryAnnotation, change: () => object, seen: LibraryAnnotation[], s: Stats): Promise<LibraryAnnotation[]> {
  let target = first;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const saved = await request(client, { method: 'PATCH', path: `/api/annotations/${target.id}`, body: { version: target.version, ...change() } }, 'write', s);
    if (saved.status === 200) {
      ack(saved.value as LibraryAnnotation);
      if (attempt > 1) s.conflictsResolved++;
      return seen;
    }
    if (saved.status !== 409) return seen;
    s.conflicts++;
    const reload = await request(client, { method: 'GET', path: `/api/reviews/${reviewId}/annotations` }, 'read', s);
    seen = (reload.value as LibraryAnnotation[] | undefined) ?? seen;
    const fresh = seen.find((a) => a.id === target.id);
    if (!fresh) return seen;
    target = fresh;
  }
  return seen;
}

/** A new note on the review, or a line added to the one this reviewer wrote there (a conflict: reload, once more). */
async function note(client: DepartmentClient, reviewId: number, mine: Map<number, LibraryNote>, line: string, s: Stats): Promise<void> {
  let held = mine.get(reviewId);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const text = held ? (held.text.length > 1500 ? line : `${held.text}\n${line}`) : line;
    const saved = held
      ? await request(client, { method: 'PATCH', path: `/api/notes/${held.id}`, body: { version: held.version, text } }, 'write', s)
      : await request(client, { method: 'POST', path: `/api/reviews/${reviewId}/notes`, body: { text } }, 'write', s);
    if (saved.status === 200 || saved.status === 201) {
      ack(saved.value as LibraryNote, 'note');
      mine.set(reviewId, saved.value as LibraryNote);
      return;
    }
    if (saved.status !== 409 || !held) return;
    s.conflicts++;
    const reload = await request(client, { method: 'GET', path: `/api/reviews/${reviewId}/notes` }, 'read', s);
    held = ((reload.value as LibraryNote[] | undefined) ?? []).find((n) => n.id === held!.id);
  }
}

async function reviewer(client: DepartmentClient, reviewIds: number[], seed: number, until: number, thinkMs: number, s: Stats): Promise<void> {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const think = () => sleep(thinkMs * (0.5 + rand()));
  const unit = () => Math.round(rand() * 700) / 1000;
  let stream: EventStream | null = null;
  /** The note this reviewer wrote on each review, as last acknowledged. */
  const myNotes = new Map<number, LibraryNote>();
  while (Date.now() < until && !serverGone) {
    const reviewId = pick(reviewIds);
    stream?.close();
    stream = client.events(reviewId, () => s.events++);
    await stream.ready.catch(() => undefined);
    await request(client, { method: 'GET', path: `/api/reviews/${reviewId}` }, 'read', s);
    const list = await request(client, { method: 'GET', path: `/api/reviews/${reviewId}/annotations` }, 'read', s);
    let seen = (list.value as LibraryAnnotation[] | undefined) ?? [];
    await request(client, { method: 'GET', path: `/api/reviews/${reviewId}/notes` }, 'read', s);
    await think();

    const label = `${pick(WORDS)} ${Math.floor(rand() * 1000)}`;
    const created = await request(client, { method: 'POST', path: `/api/reviews/${reviewId}/annotations`, body: { kind: 'box', geometry: { x: unit(), y: unit(), w: 0.2, h: 0.2 }, frameIndex: Math.floor(rand() * 9000), label } }, 'write', s);
    const mine = created.value as LibraryAnnotation | undefined;
    if (mine) ack(mine);
    await think();

    // Move one of the annotations read on opening, then write the review's note.
    if (seen.length) {
      seen = await save(client, reviewId, pick(seen), () => ({ geometry: { x: unit(), y: unit(), w: 0.2, h: 0.2 } }), seen, s);
      await think();
    }
    const line = `${pick(NOTE_LINES)} ${label} at frame ${Math.floor(rand() * 9000)}.`;
    await note(client, reviewId, myNotes, line, s);
    await think();

    await request(client, { method: 'GET', path: `/api/search/all?q=${encodeURIComponent(pick(SEARCHES))}&limit=50` }, 'search', s);
    await think();
  }
  stream?.close();
}

/** The server CLI; what it prints is kept, and shown if it exits before the end. */
function startServer(url: string): Promise<{ child: ChildProcess; baseUrl: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve-department.ts', '--db', url, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, baseUrl: m[1]!, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      serverGone = true;
      const message = `The department server exited (${code ?? signal}):\n${out.split('\n').slice(-40).join('\n')}`;
      reject(new Error(message));
      if (code !== 0) console.error(message);
    });
  });
}

async function main(): Promise<void> {
  const reviewers = Number(v.reviewers);
  const seconds = Number(v.seconds);
  const thinkMs = Number(v['think-ms']);
  const seedAnnotations = Number(v['seed-annotations']);
  const pg = await startPostgres();
  if (v.fsync) {
    // The test cluster runs without fsync (tests/fixtures/postgres.ts); --fsync measures commits that reach the disk.
    const setup = openLibraryDb({ kind: 'postgres', url: pg.url, poolSize: 1 });
    await sql`alter system set fsync = on`.execute(setup.db);
    await sql`alter system set full_page_writes = on`.execute(setup.db);
    await setup.close();
    await restartPostgres(pg);
  }
  const handle = openLibraryDb({ kind: 'postgres', url: pg.url, poolSize: 2 });
  let server: ChildProcess | undefined;
  try {
    await migrateLibrary(handle);
    const accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
    const admin = await accounts.bootstrapAdmin({ username: 'admin', displayName: 'Admin', password: PASSWORD });
    const names: string[] = [];
    for (let i = 1; i <= reviewers; i++) {
      const username = `reviewer${i}`;
      await accounts.createUser(admin, { username, displayName: `Dr Reviewer ${i}`, role: i % 5 === 0 ? 'attending' : 'resident', password: PASSWORD });
      names.push(username);
    }
    // A library to search: 500 older reviews holding the seeded annotations and notes.
    const t0 = performance.now();
    await sql`insert into reviews (title, updated_by, updated_at) select 'Seeded case ' || g, ${admin.id}, now() from generate_series(1, 500) g`.execute(handle.db);
    await sql`insert into annotations (review_id, frame_index, kind, geometry_json, label, color, author_id, created_at, updated_at, updated_by)
      select 1 + g % 500, g % 9000, 'box', '{"x":0.1,"y":0.1,"w":0.2,"h":0.2}', (${sql.val(WORDS)}::text[])[1 + g % ${WORDS.length}] || ' seeded ' || g, '#ffcc00', ${admin.id}, now(), now(), ${admin.id}
      from generate_series(1, ${seedAnnotations}) g`.execute(handle.db);
    const seedNotes = Math.round(seedAnnotations / 5);
    await sql`insert into notes (review_id, frame_index, text, author_id, created_at, updated_at, updated_by)
      select 1 + g % 500, case when g % 3 = 0 then null else g % 9000 end,
        (${sql.val(NOTE_LINES)}::text[])[1 + g % ${NOTE_LINES.length}] || ' ' || (${sql.val(WORDS)}::text[])[1 + g % ${WORDS.length}] || ' seen, seeded note ' || g,
        ${admin.id}, now(), now(), ${admin.id}
      from generate_series(1, ${seedNotes}) g`.execute(handle.db);
    // As autovacuum would leave a library after a bulk load (this cluster runs without it): statistics, and the GIN
    // indexes' pending lists merged (else every search scans the 50,000 rows' pending entries).
    await sql`vacuum analyze`.execute(handle.db);
    log(`Seeded ${seedAnnotations} annotations and ${seedNotes} notes in 500 reviews (${Math.round(performance.now() - t0)} ms)`);

    const started = await startServer(pg.url);
    server = started.child;
    log(`Department server: ${started.baseUrl} (PostgreSQL at ${pg.url})`);
    const agent = agentFor(started.baseUrl, undefined, reviewers * 2);
    const clients = names.map(() => new DepartmentClient({ baseUrl: started.baseUrl, agent }));
    await Promise.all(clients.map((c, i) => c.login(names[i]!, PASSWORD)));
    const reviewIds: number[] = [];
    for (let i = 1; i <= Number(v.reviews); i++) reviewIds.push((await clients[0]!.call<{ id: number }>('POST', '/api/reviews', { title: `Shared case ${i}` })).id);

    const s: Stats = { writeMs: [], writeServerMs: [], writeAt: [], readMs: [], searchMs: [], conflicts: 0, conflictsResolved: 0, retried: 0, errors: 0, errorSamples: [], events: 0 };
    const begin = Date.now();
    const until = begin + seconds * 1000;
    log(`${reviewers} reviewers on ${reviewIds.length} shared reviews for ${seconds} s${v['no-restart'] ? '' : `; PostgreSQL restarts at ${Math.round(seconds / 2)} s`}`);
    const restarted = (async () => {
      if (v['no-restart']) return;
      await sleep((seconds * 1000) / 2);
      restart = { from: Date.now(), to: null };
      await restartPostgres(pg, { downMs: 1000 });
      restart.to = Date.now();
      log(`PostgreSQL restarted (${restart.to - restart.from} ms down)`);
    })();
    await Promise.all([restarted, ...clients.map((c, i) => reviewer(c, reviewIds, 1000 + i, until, thinkMs, s))]);
    const elapsed = (Date.now() - begin) / 1000;

    // Every acknowledged write: its audit row (same transaction) and its row at that version or later.
    const audit = await sql<{ entity: string; entity_id: number; action: string; detail_json: string | null }>`select entity, entity_id, action, detail_json from audit_log where entity in ('annotation', 'note')`.execute(handle.db);
    const version = (r: (typeof audit.rows)[number]) => (r.action.endsWith('.create') ? 1 : (JSON.parse(r.detail_json ?? '{}') as { version?: number }).version);
    const durable = new Set(audit.rows.map((r) => `${r.entity}:${r.entity_id}:${version(r)}`));
    const ids = (entity: string) => [0, ...[...acked.keys()].filter((k) => k.startsWith(`${entity}:`)).map((k) => Number(k.split(':')[1]))];
    const annotationRows = await handle.db.selectFrom('annotations').select(['id', 'version']).where('id', 'in', ids('annotation')).execute();
    const noteRows = await handle.db.selectFrom('notes').select(['id', 'version']).where('id', 'in', ids('note')).execute();
    const versionNow = new Map<string, number>([...annotationRows.map((r) => [`annotation:${r.id}`, r.version] as const), ...noteRows.map((r) => [`note:${r.id}`, r.version] as const)]);
    let writes = 0;
    let lost = 0;
    for (const [key, versions] of acked) {
      for (const v of versions) {
        writes++;
        if (!durable.has(`${key}:${v}`) || (versionNow.get(key) ?? 0) < v) lost++;
      }
    }
    if (ackedAfterRestart === 0 && !v['no-restart']) {
      s.errors++;
      s.errorSamples.push('No write was acknowledged after the restart: the server did not reconnect.');
    }
    const ms = (xs: number[], p: number) => r1(percentile(xs, p));
    const steady = s.writeMs.filter((_, i) => !inRestartWindow(s.writeAt[i]!));
    const result = {
      backend: 'postgresql',
      fsync: Boolean(v.fsync),
      reviewers,
      seconds: r1(elapsed),
      cpus: os.cpus().length,
      think_ms: thinkMs,
      shared_reviews: reviewIds.length,
      seeded_annotations: seedAnnotations,
      seeded_notes: seedNotes,
      writes_acknowledged: writes,
      notes_written: notesWritten,
      writes_per_s: r1(writes / elapsed),
      write_p50_ms: ms(s.writeMs, 50),
      write_p95_ms: ms(s.writeMs, 95),
      write_p99_ms: ms(s.writeMs, 99),
      write_max_ms: ms(s.writeMs, 100),
      write_p99_outside_restart_ms: ms(steady, 99),
      write_server_p50_ms: ms(s.writeServerMs, 50),
      write_server_p99_ms: ms(s.writeServerMs, 99),
      load_average: os.loadavg().map(r1),
      read_p95_ms: ms(s.readMs, 95),
      searches: s.searchMs.length,
      search_p50_ms: ms(s.searchMs, 50),
      search_p95_ms: ms(s.searchMs, 95),
      conflicts: s.conflicts,
      conflicts_resolved_after_reload: s.conflictsResolved,
      retried_during_restart: s.retried,
      restart_down_ms: restart ? (restart as { from: number; to: number }).to - (restart as { from: number; to: number }).from : null,
      acknowledged_after_restart: ackedAfterRestart,
      events_received: s.events,
      errors: s.errors,
      lost_after_restart: lost,
    };
    printResult(
      [
        ['backend', `PostgreSQL (throwaway cluster, fsync ${v.fsync ? 'on' : 'off'}), ${result.cpus} CPUs (load ${result.load_average.join(' ')}), server CLI on loopback`],
        ['reviewers', `${reviewers} on ${reviewIds.length} shared reviews, think ${thinkMs} ms, ${result.seconds} s`],
        ['library', `${seedAnnotations} seeded annotations and ${seedNotes} notes in 500 reviews`],
        ['writes acknowledged', `${writes} (${result.writes_per_s}/s; ${notesWritten} of them notes)`],
        ['write latency', `p50 ${result.write_p50_ms} ms, p95 ${result.write_p95_ms} ms, p99 ${result.write_p99_ms} ms, max ${result.write_max_ms} ms (target p99 < 50)`],
        ['  in the server', `p50 ${result.write_server_p50_ms} ms, p99 ${result.write_server_p99_ms} ms (Server-Timing: session, store, database)`],
        ['  outside the restart', `p99 ${result.write_p99_outside_restart_ms} ms (leaving out the restart and the 3 s after it)`],
        ['open review (read)', `p95 ${result.read_p95_ms} ms`],
        ['search (full-text)', `${result.searches} searches, p50 ${result.search_p50_ms} ms, p95 ${result.search_p95_ms} ms (target p95 < 100)`],
        ['conflicts', `${s.conflicts} (${s.conflictsResolved} saved after a reload)`],
        ['restart', `${result.restart_down_ms} ms down, ${s.retried} requests retried, ${ackedAfterRestart} writes acknowledged after it`],
        ['live events received', String(s.events)],
        ['errors', `${s.errors}${s.errorSamples.length ? `: ${s.errorSamples.join(' | ')}` : ''}`],
        ['lost after restart', String(lost)],
      ],
      result,
      v.json,
    );
    if (s.errors > 0 || lost > 0) process.exitCode = 1;
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await handle.close();
    await pg.stop();
  }
}

runBench(main);
