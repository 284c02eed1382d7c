// Notes, tags and full-text search in the department library, the same suite on SQLite and on a real PostgreSQL
// server: notes are versioned like annotations (a stale write says who changed it, nothing is overwritten), a
// signed-off review refuses notes and tags, every write is an audit row and a change for live viewers, and search
// finds notes, annotations and tags by a word, by its stem, by the start of a word, best match first.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryChange } from '../../electron/core/department/changes';
import type { LibraryNote } from '../../electron/core/department/library-store';
import { createLibraryStore } from '../../electron/core/department/library-store';
import { DepartmentClient, type StreamEvent } from '../../electron/core/department/client';
import { encodeChange, inProcessReviewEvents, postgresReviewEvents, type ReviewEvent } from '../../electron/host/department/review-events';
import { startDepartmentServer } from '../../electron/host/department/server';
import { BACKENDS, openDepartment, PASSWORDS, refusal, testClock, type Department } from '../fixtures/department-library';

const BOX = { kind: 'box', geometry: { x: 0.1, y: 0.2, w: 0.3, h: 0.25 } } as const;

/** The store of `d`, with every committed change recorded. */
function recording(d: Department) {
  const changes: LibraryChange[] = [];
  let inTransaction = 0;
  const store = createLibraryStore(d.handle, {
    now: d.clock.now,
    changes: {
      inTransaction: async () => {
        inTransaction++;
      },
      committed: (c) => changes.push(c),
    },
  });
  return { store, changes, inTransaction: () => inTransaction };
}

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Gave up waiting for ${what}`);
}

describe.each(BACKENDS)('department notes, tags and search on $name', (backend) => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  afterEach(() => backend.closeAll());

  describe('notes', () => {
    it('are versioned: a stale edit or delete says who changed it and writes nothing; each write is an audit row and a change', async () => {
      const d = await openDepartment(backend);
      const { store, changes, inTransaction } = recording(d);
      const review = await store.reviews.create(d.resident, { title: 'Case 60' });
      const onFrame = await store.notes.create(d.resident, review.id, { text: 'Rhexis slightly eccentric', frameIndex: 240 });
      const general = await store.notes.create(d.resident, review.id, { text: '  Uneventful phaco.  ' });
      expect(general).toMatchObject({ reviewId: review.id, frameIndex: null, text: 'Uneventful phaco.', version: 1, author: 'Dr Rhea Resident', updatedBy: 'Dr Rhea Resident' });
      expect((await store.notes.listByReview(review.id)).map((n) => n.id)).toEqual([general.id, onFrame.id]);

      d.clock.advance(2 * 60_000);
      const edited = await store.notes.update(d.attending, onFrame.id, onFrame.version, 'Rhexis eccentric, about 5.5 mm');
      expect(edited).toMatchObject({ version: 2, text: 'Rhexis eccentric, about 5.5 mm', author: 'Dr Rhea Resident', updatedBy: 'Dr Amir Attending' });

      const stale = await refusal(store.notes.update(d.resident, onFrame.id, onFrame.version, 'Rhexis fine'));
      expect(stale.code).toBe('conflict');
      expect(stale.message).toBe('Changed by Dr Amir Attending at 2025-03-14 09:02 UTC — reload to see their change');
      const staleDelete = await refusal(store.notes.delete(d.resident, onFrame.id, onFrame.version));
      expect(staleDelete.message).toBe(stale.message);
      expect((await store.notes.listByReview(review.id)).find((n) => n.id === onFrame.id)).toEqual(edited);

      await store.notes.delete(d.attending, onFrame.id, edited.version);
      const gone = await refusal(store.notes.update(d.resident, onFrame.id, edited.version, 'Again'));
      expect(gone.message).toBe('This note was deleted by Dr Amir Attending at 2025-03-14 09:02 UTC — reload to see the review as it is now');
      expect((await refusal(store.notes.update(d.resident, 99_999, 1, 'x'))).code).toBe('not-found');
      expect((await refusal(store.notes.create(d.resident, review.id, { text: '   ' }))).message).toBe('Write the note.');
      expect((await refusal(store.notes.create(d.resident, review.id, { text: 'x', frameIndex: -1 }))).code).toBe('invalid-argument');

      const trail = (await store.audit({ entity: 'note' })).reverse();
      expect(trail.map((e) => [e.action, e.user, e.entityId])).toEqual([
        ['note.create', 'Dr Rhea Resident', onFrame.id],
        ['note.create', 'Dr Rhea Resident', general.id],
        ['note.update', 'Dr Amir Attending', onFrame.id],
        ['note.delete', 'Dr Amir Attending', onFrame.id],
      ]);
      expect(trail[2]!.detail).toMatchObject({ version: 2 });
      expect(changes.filter((c) => c.type.startsWith('note.')).map((c) => c.type)).toEqual(['note.created', 'note.created', 'note.updated', 'note.deleted']);
      expect(changes.at(-1)).toMatchObject({ type: 'note.deleted', reviewId: review.id, noteId: onFrame.id, version: 2, by: 'Dr Amir Attending' });
      expect(inTransaction()).toBe(changes.length);
    });

    it('two reviewers saving the same note at once: exactly one wins, the other is told who', async () => {
      const d = await openDepartment(backend);
      const other = d.handle.dialect === 'postgres' ? createLibraryStore(backend.open(d.target), { now: d.clock.now }) : d.store;
      const review = await d.store.reviews.create(d.resident, { title: 'Case 61' });
      const note = await d.store.notes.create(d.resident, review.id, { text: 'IOL in the bag' });
      const results = await Promise.allSettled([
        d.store.notes.update(d.resident, note.id, note.version, 'IOL in the bag, centred'),
        other.notes.update(d.attending, note.id, note.version, 'IOL in the bag, slightly tilted'),
      ]);
      const won = results.filter((r): r is PromiseFulfilledResult<LibraryNote> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect([won.length, lost.length]).toEqual([1, 1]);
      expect((lost[0]!.reason as Error).message).toBe(`Changed by ${won[0]!.value.updatedBy} at 2025-03-14 09:00 UTC — reload to see their change`);
      expect(await d.store.notes.listByReview(review.id)).toEqual([won[0]!.value]);
    });
  });

  it('a signed-off review refuses notes and tags, and takes them again once reopened', async () => {
    const d = await openDepartment(backend);
    const { store } = d;
    const review = await store.reviews.create(d.resident, { title: 'Case 62' });
    const note = await store.notes.create(d.resident, review.id, { text: 'Check the wound' });
    const tag = await store.tags.add(d.resident, review.id, { kind: 'phase', value: 'capsulorhexis' });
    d.clock.advance(60_000);
    const final = await store.reviews.finalise(d.attending, review.id, review.version);
    const locked = 'This review was signed off by Dr Amir Attending at 2025-03-14 09:01 UTC — reopen it to edit';
    for (const attempt of [
      () => store.notes.create(d.resident, review.id, { text: 'Late thought' }),
      () => store.notes.update(d.attending, note.id, note.version, 'Edited after sign-off'),
      () => store.notes.delete(d.resident, note.id, note.version),
      () => store.tags.add(d.resident, review.id, { kind: 'free', value: 'teaching case' }),
      () => store.tags.remove(d.resident, tag.id),
    ]) {
      const err = await refusal(attempt());
      expect([err.code, err.message]).toEqual(['conflict', locked]);
    }
    expect(await store.notes.listByReview(review.id)).toEqual([note]);
    expect(await store.tags.listByReview(review.id)).toEqual([tag]);
    await store.reviews.reopen(d.attending, review.id, final.version, 'Add the wound check');
    expect(await store.notes.update(d.resident, note.id, note.version, 'Wound checked: watertight')).toMatchObject({ version: 2 });
  });

  it('tags: vocabulary terms by id or label, free text, on the review, a frame or an annotation; the same tag twice is one', async () => {
    const d = await openDepartment(backend);
    const { store, changes } = recording(d);
    const review = await store.reviews.create(d.resident, { title: 'Case 63' });
    const elsewhere = await store.reviews.create(d.resident, { title: 'Case 64' });
    const ann = await store.annotations.create(d.resident, review.id, { ...BOX, frameIndex: 300, label: 'tear at 4 o’clock' });
    const foreign = await store.annotations.create(d.resident, elsewhere.id, { ...BOX, frameIndex: 1 });

    const phase = await store.tags.add(d.resident, review.id, { kind: 'phase', value: 'Capsulorhexis' });
    expect(phase).toMatchObject({ kind: 'phase', value: 'capsulorhexis', label: 'Capsulorhexis', annotationId: null, frameIndex: null, author: 'Dr Rhea Resident' });
    expect(await store.tags.add(d.attending, review.id, { kind: 'phase', value: 'capsulorhexis' })).toEqual(phase);
    const onAnn = await store.tags.add(d.attending, review.id, { kind: 'finding', value: 'anterior-capsule-tear', annotationId: ann.id });
    expect(onAnn).toMatchObject({ label: 'Anterior capsule tear (rhexis run-out)', annotationId: ann.id, author: 'Dr Amir Attending' });
    const onFrame = await store.tags.add(d.resident, review.id, { kind: 'free', value: 'Teaching Case', frameIndex: 300 });
    expect(await store.tags.add(d.resident, review.id, { kind: 'free', value: 'teaching case', frameIndex: 300 })).toEqual(onFrame);
    expect((await store.tags.listByReview(review.id)).map((t) => t.id)).toEqual([phase.id, onFrame.id, onAnn.id]);

    expect((await refusal(store.tags.add(d.resident, review.id, { kind: 'instrument', value: 'spoon' }))).message).toMatch(/^"spoon" is not in the instrument vocabulary/);
    expect((await refusal(store.tags.add(d.resident, review.id, { kind: 'free', value: 'x', annotationId: foreign.id }))).message).toBe(`Annotation ${foreign.id} does not belong to review ${review.id}.`);
    expect((await refusal(store.tags.add(d.resident, review.id, { kind: 'free', value: 'x', annotationId: ann.id, frameIndex: 3 }))).code).toBe('invalid-argument');

    d.clock.advance(30_000);
    await store.tags.remove(d.attending, onFrame.id);
    const again = await refusal(store.tags.remove(d.resident, onFrame.id));
    expect(again.message).toBe('This tag was deleted by Dr Amir Attending at 2025-03-14 09:00 UTC — reload to see the review as it is now');
    // Deleting the annotation takes its tags with it.
    await store.annotations.delete(d.resident, ann.id, ann.version);
    expect((await store.tags.listByReview(review.id)).map((t) => t.id)).toEqual([phase.id]);

    expect((await store.audit({ entity: 'tag' })).reverse().map((e) => [e.action, e.user])).toEqual([
      ['tag.create', 'Dr Rhea Resident'],
      ['tag.create', 'Dr Amir Attending'],
      ['tag.create', 'Dr Rhea Resident'],
      ['tag.delete', 'Dr Amir Attending'],
    ]);
    expect(changes.filter((c) => c.type.startsWith('tag.')).map((c) => c.type)).toEqual(['tag.created', 'tag.created', 'tag.created', 'tag.deleted']);
  });

  describe('search', () => {
    async function library(d: Department) {
      const { store, resident } = d;
      const review = await store.reviews.create(resident, { title: 'Case 70' });
      const other = await store.reviews.create(resident, { title: 'Case 71' });
      const filler = 'The incision was made temporally and the anterior chamber was filled with viscoelastic before the next step. '.repeat(4);
      const many = await store.notes.create(resident, review.id, { text: 'Capsulorhexis too small; capsulorhexis enlarged; second capsulorhexis complete.' });
      const once = await store.notes.create(resident, review.id, { text: `${filler}A capsulorhexis was done. ${filler}` });
      const tears = await store.notes.create(resident, review.id, { text: 'Posterior capsule tears were managed with anterior vitrectomy.', frameIndex: 812 });
      const label = await store.annotations.create(resident, review.id, { ...BOX, frameIndex: 5, label: 'Capsulorhexis edge' });
      const text = await store.annotations.create(resident, other.id, { kind: 'text', geometry: { x: 0.5, y: 0.5, text: 'watch the PCR_risk here' }, frameIndex: 9 });
      const tag = await store.tags.add(resident, other.id, { kind: 'phase', value: 'capsulorhexis' });
      return { review, other, many, once, tears, label, text, tag };
    }

    it('finds notes by a word and by its stem, ranked: more mentions in less text first', async () => {
      const d = await openDepartment(backend);
      const l = await library(d);
      const ids = async (q: string, kinds?: Array<'annotation' | 'note' | 'tag'>) => (await d.store.searchLibrary(q, kinds ? { kinds } : {})).map((h) => `${h.kind}:${h.id}`);

      const rhexis = await d.store.searchLibrary('capsulorhexis', { kinds: ['note'] });
      expect(rhexis.map((h) => h.id)).toEqual([l.many.id, l.once.id]);
      expect(rhexis[0]!.rank).toBeGreaterThan(rhexis[1]!.rank);
      expect(rhexis[1]).toMatchObject({ kind: 'note', reviewId: l.review.id, reviewTitle: 'Case 70', title: 'Note', snippet: expect.stringMatching(/^….*A capsulorhexis was done\..*…$/) });
      expect(rhexis[1]!.snippet.length).toBeLessThanOrEqual(202);

      // Stems, both dialects (PostgreSQL's English snowball, SQLite FTS5's porter): "tear", "managing" find "tears … managed".
      expect(await ids('tear', ['note'])).toEqual([`note:${l.tears.id}`]);
      expect(await ids('managing posterior', ['note'])).toEqual([`note:${l.tears.id}`]);
      expect((await d.store.searchLibrary('vitrectomies'))[0]).toMatchObject({ kind: 'note', id: l.tears.id, frameIndex: 812, title: 'Note on frame 812' });
      // The last word is the start of a word, as typed.
      expect(await ids('posterior capsu', ['note'])).toEqual([`note:${l.tears.id}`]);

      // All three kinds at once; one review only.
      const all = await ids('capsulorhexis');
      expect(all).toHaveLength(4);
      expect(all).toEqual(expect.arrayContaining([`annotation:${l.label.id}`, `tag:${l.tag.id}`, `note:${l.many.id}`, `note:${l.once.id}`]));
      expect((await d.store.searchLibrary('capsulorhexis', { reviewId: l.other.id })).map((h) => `${h.kind}:${h.id}`)).toEqual([`tag:${l.tag.id}`]);
      expect(await d.store.searchLibrary('capsulorhexis', { limit: 2 })).toHaveLength(2);
    });

    it('annotation search keeps its contract: labels and text words, a part of a word or symbols by substring, geometry keys never', async () => {
      const d = await openDepartment(backend);
      const l = await library(d);
      const find = async (q: string) => (await d.store.search(q)).map((h) => h.id);
      expect(await find('CAPSUL')).toEqual([l.label.id]);
      expect(await find('pcr_RISK')).toEqual([l.text.id]);
      expect(await find('risks')).toEqual([l.text.id]); // a stem
      expect(await find('rhexis')).toEqual([l.label.id]); // inside a word: the substring match
      expect(await find('r_sk')).toEqual([]);
      expect(await find('"x"')).toEqual([]);
      expect((await d.store.search('edge'))[0]).toMatchObject({ id: l.label.id, reviewTitle: 'Case 70', label: 'Capsulorhexis edge', author: 'Dr Rhea Resident' });
      const nothing = await refusal(d.store.search('  '));
      expect(nothing.message).toBe('Type something to search for.');
      // A substring match has no rank.
      expect((await d.store.searchLibrary('rhexis e'))[0]).toMatchObject({ kind: 'annotation', id: l.label.id, rank: 0 });
    });

    it('follows writes: an edited note is found by its new words only, a deleted one not at all', async () => {
      const d = await openDepartment(backend);
      const l = await library(d);
      const tears = await d.store.notes.update(d.resident, l.tears.id, l.tears.version, 'Zonular dialysis, capsular tension ring placed.');
      expect((await d.store.searchLibrary('vitrectomy')).map((h) => h.id)).toEqual([]);
      expect((await d.store.searchLibrary('zonular ring')).map((h) => h.id)).toEqual([tears.id]);
      await d.store.notes.delete(d.resident, tears.id, tears.version);
      expect(await d.store.searchLibrary('zonular')).toEqual([]);
      await d.store.annotations.update(d.resident, l.label.id, l.label.version, { label: 'Hydrodissection wave' });
      expect((await d.store.searchLibrary('hydrodissect', { kinds: ['annotation'] })).map((h) => h.id)).toEqual([l.label.id]);
    });

    it.runIf(backend.name === 'PostgreSQL')('PostgreSQL reads websearch syntax: a phrase, or, -word', async () => {
      const d = await openDepartment(backend);
      const l = await library(d);
      const notes = async (q: string) => (await d.store.searchLibrary(q, { kinds: ['note'] })).map((h) => h.id);
      expect(await notes('"capsule tears"')).toEqual([l.tears.id]);
      expect(await notes('"tears capsule"')).toEqual([]);
      expect(await notes('capsulorhexis -enlarged')).toEqual([l.once.id]);
      expect((await notes('vitrectomy or viscoelastic')).sort()).toEqual([l.once.id, l.tears.id].sort());
    });
  });

  it.runIf(backend.name === 'PostgreSQL')('live viewers get note changes over NOTIFY; a 20,000-character note goes as a reference', async () => {
    const d = await openDepartment(backend);
    const url = (d.target as { url: string }).url;
    const events = await postgresReviewEvents({ url });
    try {
      const store = createLibraryStore(d.handle, { now: d.clock.now, changes: events.sink });
      const review = await store.reviews.create(d.resident, { title: 'Case 80' });
      const seen: ReviewEvent[] = [];
      events.subscribe(review.id, (e) => {
        if (e.type.startsWith('note.')) seen.push(e); // review.created may still be on its way
      });
      const short = await store.notes.create(d.resident, review.id, { text: 'Short note' });
      const long = await store.notes.create(d.resident, review.id, { text: 'capsule '.repeat(2500) });
      await waitFor(() => (seen.length >= 2 ? true : undefined), 'two note events');
      expect(seen[0]).toMatchObject({ type: 'note.created', note: { id: short.id, text: 'Short note' } });
      expect(seen[1]).toEqual({ type: 'note.created', reviewId: review.id, noteId: long.id, version: 1, reload: true });
      expect(JSON.parse(encodeChange({ type: 'note.deleted', reviewId: 1, noteId: 2, version: 3, by: 'X', at: 'T' }))).toMatchObject({ noteId: 2 });
    } finally {
      await events.close();
    }
  });
});

describe('the note, tag and search routes (SQLite server on loopback)', () => {
  const sqlite = BACKENDS[0]!;
  beforeAll(() => sqlite.start());
  afterAll(() => sqlite.stop());

  it('serve notes with their versions (409 with the store’s words), tags, and search across all three', async () => {
    // The real time: the session cookie's Max-Age is counted from it.
    const d = await openDepartment(sqlite, testClock(new Date().toISOString()));
    const events = inProcessReviewEvents();
    const server = await startDepartmentServer({ accounts: d.accounts, store: createLibraryStore(d.handle, { now: d.clock.now, changes: events.sink }), events });
    try {
      const c = new DepartmentClient({ baseUrl: server.url });
      await c.login('rhea', PASSWORDS.resident);
      const review = await c.call<{ id: number }>('POST', '/api/reviews', { title: 'Routes' });
      const received: StreamEvent[] = [];
      const stream = c.events(review.id, (e) => received.push(e));
      await stream.ready;
      const note = await c.call<LibraryNote>('POST', `/api/reviews/${review.id}/notes`, { text: 'Capsular tension ring placed', frameIndex: 10 });
      const edited = await c.call<LibraryNote>('PATCH', `/api/notes/${note.id}`, { version: 1, text: 'Capsular tension rings placed' });
      await expect(c.call('PATCH', `/api/notes/${note.id}`, { version: 1, text: 'Older copy' })).rejects.toMatchObject({
        status: 409,
        error: { message: expect.stringMatching(/^Changed by Dr Rhea Resident at \d{4}-\d\d-\d\d \d\d:\d\d UTC — reload to see their change$/) },
      });
      await expect(c.call('POST', `/api/reviews/${review.id}/notes`, { text: 'x', colour: 'red' })).rejects.toMatchObject({ status: 400 });
      expect(await c.call('GET', `/api/reviews/${review.id}/notes`)).toEqual([edited]);
      await expect(c.call('GET', '/api/reviews/999/notes')).rejects.toMatchObject({ status: 404 });

      const tag = await c.call<{ id: number; label: string }>('POST', `/api/reviews/${review.id}/tags`, { kind: 'instrument', value: 'spatula' });
      expect(tag.label).toBe('Spatula');
      expect(await c.call('GET', `/api/reviews/${review.id}/tags`)).toEqual([tag]);
      const hits = await c.call<Array<{ kind: string; id: number }>>('GET', `/api/search/all?q=${encodeURIComponent('ring spatula')}`);
      expect(hits).toEqual([]);
      expect((await c.call<Array<{ kind: string; id: number }>>('GET', '/api/search/all?q=ring')).map((h) => [h.kind, h.id])).toEqual([['note', note.id]]);
      expect((await c.call<Array<{ kind: string; id: number }>>('GET', '/api/search/all?q=spatula&kinds=tag,note')).map((h) => [h.kind, h.id])).toEqual([['tag', tag.id]]);
      await expect(c.call('GET', '/api/search/all?q=ring&kinds=frame')).rejects.toMatchObject({ status: 400 });

      expect(await c.call('DELETE', `/api/tags/${tag.id}`, {})).toEqual({ deleted: tag.id });
      expect(await c.call('DELETE', `/api/notes/${note.id}`, { version: edited.version })).toEqual({ deleted: note.id });
      const types = ['note.created', 'note.updated', 'tag.created', 'tag.deleted', 'note.deleted'];
      await waitFor(() => (received.filter((e) => types.includes(e.event)).length === types.length ? true : undefined), 'the events');
      expect(received.filter((e) => types.includes(e.event)).map((e) => e.event)).toEqual(types);
      stream.close();
    } finally {
      await server.close();
    }
  });
});
