// The department library's store, the same suite on SQLite and on a real PostgreSQL server: the schema migrates
// from empty and only once, roles decide who signs off, a signed-off review refuses edits, two reviewers editing
// the same annotation at once cannot overwrite each other, and every write names its user in the audit log.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkstationError } from '../../electron/api/errors';
import type { LibraryAnnotation, LibraryStore } from '../../electron/core/department/library-store';
import { createLibraryStore } from '../../electron/core/department/library-store';
import { appliedMigrations, libraryMigrations, migrateLibrary } from '../../electron/core/department/migrations';
import { BACKENDS, openDepartment, PASSWORDS, refusal, testClock, type Department } from '../fixtures/department-library';

const BOX = { kind: 'box', geometry: { x: 0.1, y: 0.2, w: 0.3, h: 0.25 } } as const;

describe.each(BACKENDS)('department library on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  afterEach(() => backend.closeAll());

  describe('migrations', () => {
    it('builds the schema on an empty database, once: a second run changes nothing', async () => {
      const handle = backend.open(await backend.fresh());
      const all = Object.keys(libraryMigrations(handle.dialect));
      expect(all.slice(0, 3)).toEqual(['0001-foundation', '0002-search-indexes', '0003-notes-tags-fts']);
      expect(await migrateLibrary(handle)).toEqual(all);
      const tables = (await handle.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'reviews', 'annotations', 'audit_log']));

      const store = createLibraryStore(handle);
      await handle.db.insertInto('users').values({ username: 'u', display_name: 'U', role: 'admin', password_hash: 'x', disabled: 0, created_at: new Date().toISOString() }).execute();
      const [user] = await handle.db.selectFrom('users').select('id').execute();
      await store.reviews.create({ id: user!.id, username: 'u', displayName: 'U', role: 'admin' }, { title: 'Case 7' });

      expect(await migrateLibrary(handle)).toEqual([]);
      expect(await appliedMigrations(handle)).toEqual(all);
      expect((await store.reviews.list()).map((r) => r.title)).toEqual(['Case 7']);
    });

    it('enforces the schema: roles, one username whatever its case, a review status', async () => {
      const { handle } = await openDepartment(backend);
      const row = { display_name: 'X', password_hash: 'x', disabled: 0, created_at: new Date().toISOString() };
      await expect(handle.db.insertInto('users').values({ ...row, username: 'x1', role: 'surgeon' as never }).execute()).rejects.toThrow();
      await expect(handle.db.insertInto('users').values({ ...row, username: 'RHEA', role: 'resident' }).execute()).rejects.toThrow();
      await expect(sql`insert into reviews (title, status, updated_by, updated_at) values ('t', 'archived', 1, ${new Date().toISOString()})`.execute(handle.db)).rejects.toThrow();
    });

    it('refuses a library that a newer version has migrated, and changes nothing', async () => {
      const handle = backend.open(await backend.fresh());
      const newer = { ...libraryMigrations(handle.dialect), '9999-future': { up: async () => undefined } };
      await migrateLibrary(handle, { migrations: newer });
      const err = await refusal(migrateLibrary(handle));
      expect(err.code).toBe('unsupported-input');
      expect(err.message).toMatch(/updated by a newer version .* Update this app to open it; nothing was changed/);
      expect(await appliedMigrations(handle, { migrations: newer })).toEqual([...Object.keys(libraryMigrations(handle.dialect)), '9999-future']);
    });
  });

  describe('roles and sign-off', () => {
    it('a resident cannot sign a review off; an attending can, and then nobody can edit it until it is reopened', async () => {
      const d = await openDepartment(backend);
      const { store, resident, attending, educator } = d;
      const review = await store.reviews.create(resident, { title: 'Phaco, left eye, case 12' });
      const ann = await store.annotations.create(resident, review.id, { ...BOX, frameIndex: 120, label: 'capsulorhexis' });

      for (const who of [resident, educator]) {
        const err = await refusal(store.reviews.finalise(who, review.id, review.version));
        expect(err.code).toBe('forbidden');
        expect(err.message).toMatch(/Only an attending surgeon or an administrator can sign off a review/);
      }
      expect((await store.reviews.get(review.id)).status).toBe('draft');

      d.clock.advance(60_000);
      const final = await store.reviews.finalise(attending, review.id, review.version);
      expect(final).toMatchObject({ status: 'final', signedOffBy: 'Dr Amir Attending', signedOffAt: '2025-03-14T09:01:00.000Z', version: review.version + 1 });

      const locked = 'This review was signed off by Dr Amir Attending at 2025-03-14 09:01 UTC — reopen it to edit';
      const attempts = [
        () => store.annotations.update(resident, ann.id, ann.version, { label: 'hydrodissection' }),
        () => store.annotations.update(attending, ann.id, ann.version, { label: 'hydrodissection' }),
        () => store.annotations.create(resident, review.id, { ...BOX, frameIndex: 200 }),
        () => store.annotations.delete(resident, ann.id, ann.version),
        () => store.reviews.rename(resident, review.id, final.version, 'Renamed'),
        () => store.reviews.rename(resident, review.id, review.version, 'Renamed from an old copy'),
      ];
      for (const attempt of attempts) {
        const err = await refusal(attempt());
        expect(err.code).toBe('conflict');
        expect(err.message).toBe(locked);
      }
      expect(await store.annotations.listByReview(review.id)).toEqual([ann]);
      expect((await store.reviews.get(review.id)).title).toBe('Phaco, left eye, case 12');

      const err = await refusal(store.reviews.reopen(resident, review.id, final.version, 'Add the IOL step'));
      expect(err.code).toBe('forbidden');
      const reopened = await store.reviews.reopen(attending, review.id, final.version, 'Add the IOL step');
      expect(reopened).toMatchObject({ status: 'draft', signedOffBy: null, signedOffAt: null });
      const edited = await store.annotations.update(resident, ann.id, ann.version, { label: 'hydrodissection' });
      expect(edited).toMatchObject({ label: 'hydrodissection', version: ann.version + 1, updatedBy: 'Dr Rhea Resident', author: 'Dr Rhea Resident' });
    });

    it('an administrator can sign off too; signing off twice from the same copy is refused', async () => {
      const { store, resident, admin, attending } = await openDepartment(backend);
      const review = await store.reviews.create(resident, { title: 'Case 13' });
      await store.reviews.finalise(admin, review.id, review.version);
      const err = await refusal(store.reviews.finalise(attending, review.id, review.version));
      expect(err.message).toMatch(/^This review was signed off by Ada Admin at /);
    });
  });

  describe('annotations', () => {
    it('keeps the shape exactly as drawn, and refuses a geometry that is not the annotation kind’s, writing nothing', async () => {
      const { store, resident } = await openDepartment(backend);
      const review = await store.reviews.create(resident, { title: 'Case 20' });
      const points = [0.1, 0.2, 0.123456789, 0.987654321, 0.5, 0.5];
      const stroke = await store.annotations.create(resident, review.id, { kind: 'freehand', geometry: { points }, frameIndex: 3, color: '#00AAFF' });
      expect(stroke).toMatchObject({ kind: 'freehand', geometry: { points }, color: '#00aaff', label: null, version: 1, frameIndex: 3 });

      const bad = await refusal(store.annotations.update(resident, stroke.id, 1, { geometry: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 } }));
      expect(bad.code).toBe('invalid-argument');
      const outside = await refusal(store.annotations.create(resident, review.id, { kind: 'box', geometry: { x: 1.4, y: 0, w: 0.1, h: 0.1 }, frameIndex: 3 }));
      expect(outside.message).toBe('Coordinates are fractions of the frame, from 0 to 1.');
      expect(await store.annotations.listByReview(review.id)).toEqual([stroke]);
      expect(await store.audit({ entity: 'annotation' })).toHaveLength(1);

      const missing = await refusal(store.annotations.create(resident, 9999, { ...BOX, frameIndex: 1 }));
      expect(missing.code).toBe('not-found');
    });
  });

  describe('two reviewers editing the same annotation', () => {
    /** A second reviewer's client: its own pool on PostgreSQL; on SQLite the one connection a process has. */
    async function twoClients(d: Department): Promise<[LibraryStore, LibraryStore]> {
      const other = d.handle.dialect === 'postgres' ? backend.open(d.target) : d.handle;
      return [d.store, createLibraryStore(other, { now: d.clock.now })];
    }

    it('both start from version v and save at once: exactly one wins, the other is told who changed it, nothing is overwritten', async () => {
      const d = await openDepartment(backend);
      const [a, b] = await twoClients(d);
      const review = await a.reviews.create(d.resident, { title: 'Case 30' });
      await a.annotations.create(d.resident, review.id, { ...BOX, frameIndex: 40, label: 'incision' });
      const [seenByA] = await a.annotations.listByReview(review.id);
      const [seenByB] = await b.annotations.listByReview(review.id);
      expect(seenByA!.version).toBe(seenByB!.version);
      d.clock.advance(5 * 60_000);

      const results = await Promise.allSettled([
        a.annotations.update(d.resident, seenByA!.id, seenByA!.version, { label: 'capsulorhexis', geometry: { x: 0.2, y: 0.2, w: 0.1, h: 0.1 } }),
        b.annotations.update(d.attending, seenByB!.id, seenByB!.version, { label: 'phacoemulsification' }),
      ]);
      const won = results.filter((r): r is PromiseFulfilledResult<LibraryAnnotation> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = won[0]!.value;
      const winnerName = winner.updatedBy;
      expect(['Dr Rhea Resident', 'Dr Amir Attending']).toContain(winnerName);
      const err = lost[0]!.reason as WorkstationError;
      expect(err).toBeInstanceOf(WorkstationError);
      expect(err.code).toBe('conflict');
      expect(err.message).toBe(`Changed by ${winnerName} at 2025-03-14 09:05 UTC — reload to see their change`);

      const [stored] = await b.annotations.listByReview(review.id);
      expect(stored).toEqual(winner);
      expect(stored!.version).toBe(seenByA!.version + 1);
      const updates = await a.audit({ entity: 'annotation', entityId: winner.id, action: 'annotation.update' });
      expect(updates).toHaveLength(1);
      expect(updates[0]!.user).toBe(winnerName);

      // The loser reloads and saves again from the winner's version: that one goes through.
      const loser = winnerName === 'Dr Rhea Resident' ? { store: b, user: d.attending } : { store: a, user: d.resident };
      const again = await loser.store.annotations.update(loser.user, stored!.id, stored!.version, { color: '#ff0000' });
      expect(again).toMatchObject({ label: winner.label, color: '#ff0000', version: stored!.version + 1 });
    });

    it('a delete from a stale copy is refused; an edit of an annotation someone deleted says who deleted it', async () => {
      const d = await openDepartment(backend);
      const [a, b] = await twoClients(d);
      const review = await a.reviews.create(d.resident, { title: 'Case 31' });
      const ann = await a.annotations.create(d.resident, review.id, { ...BOX, frameIndex: 1 });
      const moved = await b.annotations.update(d.attending, ann.id, ann.version, { label: 'lens' });

      const stale = await refusal(a.annotations.delete(d.resident, ann.id, ann.version));
      expect(stale.message).toBe('Changed by Dr Amir Attending at 2025-03-14 09:00 UTC — reload to see their change');
      expect(await a.annotations.listByReview(review.id)).toEqual([moved]);

      d.clock.advance(90_000);
      await b.annotations.delete(d.attending, ann.id, moved.version);
      const gone = await refusal(a.annotations.update(d.resident, ann.id, moved.version, { label: 'iris' }));
      expect(gone.code).toBe('conflict');
      expect(gone.message).toBe('This annotation was deleted by Dr Amir Attending at 2025-03-14 09:01 UTC — reload to see the review as it is now');
      expect(await a.annotations.listByReview(review.id)).toEqual([]);
    });

    it('a review renamed from a stale copy is refused with who renamed it', async () => {
      const d = await openDepartment(backend);
      const [a, b] = await twoClients(d);
      const review = await a.reviews.create(d.resident, { title: 'Case 32' });
      await b.reviews.rename(d.attending, review.id, review.version, 'Case 32 (right eye)');
      const err = await refusal(a.reviews.rename(d.resident, review.id, review.version, 'Case 32 (left eye)'));
      expect(err.message).toBe('Changed by Dr Amir Attending at 2025-03-14 09:00 UTC — reload to see their change');
      expect((await a.reviews.get(review.id)).title).toBe('Case 32 (right eye)');
    });
  });

  it.runIf(backend.restart)('keeps working after the server restarts under it; what was committed is there', async () => {
    const d = await openDepartment(backend);
    const review = await d.store.reviews.create(d.resident, { title: 'Case 50' });
    const ann = await d.store.annotations.create(d.resident, review.id, { ...BOX, frameIndex: 5 });
    await backend.restart!();
    const edited = await d.store.annotations.update(d.attending, ann.id, ann.version, { label: 'cornea' });
    expect(edited).toMatchObject({ label: 'cornea', version: 2, updatedBy: 'Dr Amir Attending' });
    expect((await d.accounts.login('rhea', PASSWORDS.resident)).user.id).toBe(d.resident.id);
  });

  describe('audit log', () => {
    it('every write is one audit row naming the user who made it', async () => {
      const clock = testClock();
      const { store, resident, attending } = await openDepartment(backend, clock);
      const review = await store.reviews.create(resident, { title: 'Case 40' });
      const ann = await store.annotations.create(resident, review.id, { kind: 'arrow', geometry: { x1: 0.1, y1: 0.1, x2: 0.5, y2: 0.5 }, frameIndex: 9 });
      clock.advance(1000);
      const edited = await store.annotations.update(attending, ann.id, ann.version, { label: 'phaco tip' });
      await store.annotations.delete(resident, ann.id, edited.version);
      await store.reviews.finalise(attending, review.id, review.version);

      const trail = (await store.audit()).filter((e) => e.entity === 'review' || e.entity === 'annotation').reverse();
      expect(trail.map((e) => [e.action, e.user])).toEqual([
        ['review.create', 'Dr Rhea Resident'],
        ['annotation.create', 'Dr Rhea Resident'],
        ['annotation.update', 'Dr Amir Attending'],
        ['annotation.delete', 'Dr Rhea Resident'],
        ['review.sign-off', 'Dr Amir Attending'],
      ]);
      expect(trail[2]).toMatchObject({ entityId: ann.id, at: '2025-03-14T09:00:01.000Z', detail: { version: 2, changed: ['label'] } });
      expect(trail[3]!.detail).toMatchObject({ kind: 'arrow', reviewId: review.id });
    });
  });
});
