// The shared-inference routes (shared-inference.ts): ask the department's engine about a frame, follow the answer as
// it streams, cancel, list a review's stored analyses. Every signed-in reviewer may ask (residents too); only who
// asked, or an administrator, may cancel. The frame travels as base64 PNG in a JSON body, so the question's route
// reads its own body (`raw`: a larger limit than the server's default, the same cross-site checks).
import { z } from 'zod';
import { WorkstationError } from '../../api/errors';
import { parseOrThrow } from '../../core/department/messages';
import { checkSameOrigin, readJsonBody } from './http';
import type { Route, RouteDeps } from './routes';

/** The largest frame accepted (PNG bytes): a lossless 4K frame fits. */
export const MAX_FRAME_BYTES = 24 * 1024 * 1024;
/** The JSON body of a question: the frame in base64 (4/3 of its bytes) and a little more. */
const MAX_ASK_BODY_BYTES = Math.ceil((MAX_FRAME_BYTES * 4) / 3) + 64 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const Ask = z
  .object({
    frameIndex: z.number().int('A frame index is a whole number.').min(0, 'A frame index is 0 or more.'),
    image: z.string({ error: 'Send the frame as "image": base64 PNG bytes.' }).min(1, 'Send the frame as "image": base64 PNG bytes.'),
    question: z.string().trim().min(1, 'Ask a question (or leave "question" out for the standard analysis).').max(2000, 'A question has at most 2,000 characters.').optional(),
    maxTokens: z.number().int().min(1).max(4096, 'At most 4,096 new tokens.').optional(),
  })
  .strict();
const Empty = z.object({}).strict();

/** The frame's bytes from base64 (a data: URL prefix is accepted), checked to be a PNG of an allowed size. */
export function decodeFrame(text: string): Uint8Array {
  const b64 = text.replace(/^data:image\/png;base64,/, '');
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new WorkstationError('invalid-argument', 'The frame ("image") is not valid base64.');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > MAX_FRAME_BYTES) throw new WorkstationError('invalid-argument', `The frame is larger than ${MAX_FRAME_BYTES / 1024 / 1024} MB.`);
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new WorkstationError('unsupported-input', 'The frame must be a PNG (lossless, as the app captures it); this is not one.');
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function createAnalysisRoutes(d: RouteDeps): Route[] {
  const inference = d.inference;
  return [
    {
      method: 'POST',
      pattern: '/api/reviews/:id/analyses',
      raw: true,
      async handle({ req, user, ids: [id] }) {
        checkSameOrigin(req, d.tls);
        const { image, ...rest } = parseOrThrow(Ask, await readJsonBody(req, MAX_ASK_BODY_BYTES));
        const frame = decodeFrame(image);
        return { status: 202, value: await inference.ask(user, id!, { ...rest, image: frame }) };
      },
    },
    { method: 'GET', pattern: '/api/reviews/:id/analyses', handle: async ({ ids: [id] }) => ({ value: await inference.list(id!) }) },
    {
      method: 'GET',
      pattern: '/api/analysis-jobs/:id/events',
      stream: true,
      async handle({ ids: [id], res }) {
        inference.follow(id!, res);
        return 'streamed';
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/analysis-jobs/:id',
      async handle({ user, ids: [id], body }) {
        parseOrThrow(Empty, body);
        return { value: inference.cancel(user, id!) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/analysis-jobs',
      async handle({ user, body }) {
        parseOrThrow(Empty, body);
        return { value: { cancelled: inference.cancelMine(user) } };
      },
    },
  ];
}
