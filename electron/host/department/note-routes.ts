// The department server's routes for a review's notes and tags, and the search across annotations, notes and tags
// (added to the route table by routes.ts createRoutes). Like the other routes: the body's shape is checked here (zod,
// unknown fields refused), the rules in the store (versions, a signed-off review, the tag vocabularies).
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import type { NewTag, SearchKind } from '../../core/department/library-store';
import { parseOrThrow } from '../../core/department/messages';
import type { Method, Reply, Route, RouteDeps } from './routes';

const Version = z.number({ error: 'Say which version you changed (the "version" you read).' }).int().min(1);
const NewNote = z.object({ text: z.string(), frameIndex: z.number().nullable().optional() }).strict();
const PatchNote = z.object({ version: Version, text: z.string() }).strict();
const DeleteNote = z.object({ version: Version }).strict();
const AddTag = z.object({ kind: z.string(), value: z.string(), annotationId: z.number().nullable().optional(), frameIndex: z.number().nullable().optional() }).strict();
const Empty = z.object({}).strict();
const Kinds = z.array(z.enum(['annotation', 'note', 'tag'], { error: 'Search kinds are annotation, note and tag.' })).min(1);

const ok = (value: unknown, status = 200): Reply => ({ status, value });

function wholeNumber(s: string, what: string): number {
  if (!/^\d{1,15}$/.test(s)) throw new WorkstationError('invalid-argument', `${what} is a whole number.`);
  return Number(s);
}

export function createNoteRoutes(d: RouteDeps): Route[] {
  const { store } = d;
  const route = (method: Method, pattern: string, handle: Route['handle']): Route => ({ method, pattern, handle });

  return [
    route('GET', '/api/reviews/:id/notes', async ({ ids: [id] }) => {
      await store.reviews.get(id!); // a review that does not exist is a 404, not an empty list
      return ok(await store.notes.listByReview(id!));
    }),
    route('POST', '/api/reviews/:id/notes', async ({ user, ids: [id], body }) => ok(await store.notes.create(user, id!, parseOrThrow(NewNote, body)), 201)),
    route('PATCH', '/api/notes/:id', async ({ user, ids: [id], body }) => {
      const { version, text } = parseOrThrow(PatchNote, body);
      return ok(await store.notes.update(user, id!, version, text));
    }),
    route('DELETE', '/api/notes/:id', async ({ user, ids: [id], body }) => {
      await store.notes.delete(user, id!, parseOrThrow(DeleteNote, body).version);
      return ok({ deleted: id });
    }),

    route('GET', '/api/reviews/:id/tags', async ({ ids: [id] }) => {
      await store.reviews.get(id!);
      return ok(await store.tags.listByReview(id!));
    }),
    route('POST', '/api/reviews/:id/tags', async ({ user, ids: [id], body }) => ok(await store.tags.add(user, id!, parseOrThrow(AddTag, body) as NewTag), 201)),
    route('DELETE', '/api/tags/:id', async ({ user, ids: [id], body }) => {
      parseOrThrow(Empty, body);
      await store.tags.remove(user, id!);
      return ok({ deleted: id });
    }),

    route('GET', '/api/search/all', async ({ url }) => {
      const p = url.searchParams;
      const review = p.get('review');
      const limit = p.get('limit');
      const kinds = p.get('kinds');
      return ok(
        await store.searchLibrary(p.get('q') ?? '', {
          ...(review ? { reviewId: wholeNumber(review, 'review') } : {}),
          ...(limit ? { limit: wholeNumber(limit, 'limit') } : {}),
          ...(kinds ? { kinds: parseOrThrow(Kinds, kinds.split(',')) as SearchKind[] } : {}),
        }),
      );
    }),
  ];
}
