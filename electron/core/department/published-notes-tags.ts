// A published review's notes and tags (migration 0006-published-notes-tags), brought up to date inside the publish
// transaction of published-store.ts with the same rules as its annotations:
//   - each department row remembers the local row it came from (published_notes / published_tags: the source key), so
//     publishing again updates it instead of adding another;
//   - a note edited in the department since (its version moved past the one the last publish left) keeps the
//     department's edit, and is not deleted when the workstation deleted its note; otherwise a local edit is carried
//     and a local delete deletes it;
//   - notes and tags made in the department are never touched; a published tag whose place (the review or a frame)
//     already has the same tag, made in the department or brought by another local tag, is not added twice (counted
//     unchanged, and added by a later publish if that one goes);
//   - tags have no versions (never edited, only removed): one the workstation removed is removed; one whose kind, value
//     or frame changed is replaced (removed, added);
//   - a note or tag removed in the department stays removed, as for annotations: its delete keeps the source key in
//     published_deletions (migration 0007-published-deletions, rememberDeletion in published-sync.ts), and publishing
//     again counts it keptDeleted instead of adding it back, even when the workstation has edited it since.
// Each write is announced (note.created/updated/deleted, tag.created/deleted) for the review's live viewers; the audit
// row is the publish's own (review.publish / review.republish, with these counts).
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { NoteText, TagValue } from '../../api/schemas-review';
import { resolveTag } from '../taxonomy/taxonomy';
import type { EmitChange } from './changes';
import type { LibraryDb } from './db';
import { selectNotes, toNote } from './notes-store';
import type { ChangeCounts, PublishPayload } from './publish-payload';
import { deletedSources, syncRows } from './published-sync';
import type { LibraryUser } from './roles';
import { selectTags, toTag } from './tags-store';

type Note = NonNullable<PublishPayload['notes']>[number];
type Tag = NonNullable<PublishPayload['tags']>[number];

/** The schema's parse, its message naming the local row that failed it. */
function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new WorkstationError('invalid-argument', `${what}: ${result.error.issues[0]?.message ?? 'not valid'}`);
}

const checkedNote = (n: Note) => ({ frame_index: n.frameIndex, text: checked(NoteText, n.text, `Note ${n.sourceId}`) });

function checkedTag(t: Tag) {
  try {
    return { frame_index: t.frameIndex, kind: t.kind, ...resolveTag(t.kind, checked(TagValue, t.value, `Tag ${t.sourceId}`)) };
  } catch (err) {
    if (err instanceof WorkstationError && !err.message.startsWith('Tag ')) throw new WorkstationError(err.code, `Tag ${t.sourceId}: ${err.message}`);
    throw err;
  }
}

interface Ctx {
  trx: Transaction<LibraryDb>;
  actor: LibraryUser;
  reviewId: number;
  at: string;
  emit: EmitChange;
}

export async function syncNotes({ trx, actor, reviewId, at, emit }: Ctx, wanted: Note[]): Promise<ChangeCounts> {
  const existing = await trx
    .selectFrom('published_notes as p')
    .innerJoin('notes as n', 'n.id', 'p.note_id')
    .select(['p.note_id', 'p.source_note_id as source', 'p.published_version', 'p.source_author', 'n.version', 'n.frame_index', 'n.text'])
    .where('p.review_id', '=', reviewId)
    .execute();
  const created: number[] = [];
  const updated: number[] = [];
  const result = await syncRows(
    existing,
    wanted,
    (row, w) => {
      if (row.version !== row.published_version) return true; // edited in the department since: its edit stays
      const c = checkedNote(w);
      return row.frame_index === c.frame_index && row.text === c.text && row.source_author === w.author;
    },
    {
      async insert(w) {
        const { id } = await trx
          .insertInto('notes')
          .values({ review_id: reviewId, ...checkedNote(w), author_id: actor.id, created_at: at, updated_at: at, updated_by: actor.id })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx.insertInto('published_notes').values({ note_id: id, review_id: reviewId, source_note_id: w.sourceId, source_author: w.author, published_version: 1 }).execute();
        created.push(id);
      },
      async update(row, w) {
        const { version } = await trx
          .updateTable('notes')
          .set((eb) => ({ ...checkedNote(w), version: eb('version', '+', 1), updated_at: at, updated_by: actor.id }))
          .where('id', '=', row.note_id)
          .returning('version')
          .executeTakeFirstOrThrow();
        await trx.updateTable('published_notes').set({ published_version: version, source_author: w.author }).where('note_id', '=', row.note_id).execute();
        updated.push(row.note_id);
      },
      async remove(row) {
        if (row.version !== row.published_version) return false; // edited in the department: not the workstation's to delete
        await trx.deleteFrom('notes').where('id', '=', row.note_id).execute();
        await emit({ type: 'note.deleted', reviewId, noteId: row.note_id, version: row.version, by: actor.displayName, at });
      },
    },
    await deletedSources(trx, reviewId, 'note'),
  );
  if (created.length + updated.length) {
    const rows = await selectNotes(trx).where('notes.id', 'in', [...created, ...updated]).orderBy('notes.id').execute();
    const isNew = new Set(created);
    for (const row of rows) await emit({ type: isNew.has(row.id) ? 'note.created' : 'note.updated', reviewId, note: toNote(row) });
  }
  return result;
}

export async function syncTags({ trx, actor, reviewId, at, emit }: Ctx, wanted: Tag[]): Promise<ChangeCounts> {
  const existing = await trx
    .selectFrom('published_tags as p')
    .innerJoin('tags as t', 't.id', 'p.tag_id')
    .select(['p.tag_id', 'p.source_tag_id as source', 'p.source_author', 't.frame_index', 't.kind', 't.value'])
    .where('p.review_id', '=', reviewId)
    .execute();
  type Row = (typeof existing)[number];
  const samePlace = (row: Row, c: ReturnType<typeof checkedTag>) => row.frame_index === c.frame_index && row.kind === c.kind && row.value === c.value;

  async function add(w: Tag): Promise<boolean> {
    const c = checkedTag(w);
    // The place already has this tag (added in the department, or by another local tag): not added twice.
    const there = await trx
      .selectFrom('tags')
      .select('id')
      .where('review_id', '=', reviewId)
      .where('annotation_id', 'is', null)
      .where((eb) => (c.frame_index === null ? eb('frame_index', 'is', null) : eb('frame_index', '=', c.frame_index)))
      .where('kind', '=', c.kind)
      .where((eb) => eb(eb.fn('lower', ['value']), '=', eb.fn('lower', [eb.val(c.value)])))
      .executeTakeFirst();
    if (there) return false;
    const { id } = await trx
      .insertInto('tags')
      .values({ review_id: reviewId, annotation_id: null, ...c, author_id: actor.id, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('published_tags').values({ tag_id: id, review_id: reviewId, source_tag_id: w.sourceId, source_author: w.author }).execute();
    const row = await selectTags(trx).where('tags.id', '=', id).executeTakeFirstOrThrow();
    await emit({ type: 'tag.created', reviewId, tag: toTag(row) });
    return true;
  }
  async function drop(row: Row) {
    await trx.deleteFrom('tags').where('id', '=', row.tag_id).execute();
    await emit({ type: 'tag.deleted', reviewId, tagId: row.tag_id, by: actor.displayName, at });
  }

  return syncRows(
    existing,
    wanted,
    (row, w) => samePlace(row, checkedTag(w)) && row.source_author === w.author,
    {
      insert: add,
      async update(row, w) {
        if (samePlace(row, checkedTag(w))) {
          await trx.updateTable('published_tags').set({ source_author: w.author }).where('tag_id', '=', row.tag_id).execute();
          return;
        }
        await drop(row);
        await add(w);
      },
      remove: drop,
    },
    await deletedSources(trx, reviewId, 'tag'),
  );
}
