// The contract: every request channel and event, with its zod schemas. The renderer, the preload, main and
// the browser host all use this module; it imports nothing from the project but ./schemas.
import { z } from 'zod';
import { EVENT_NAME_LIST, REQUEST_CHANNEL_NAMES, type EventNameName, type RequestChannelName } from './channels';
import {
  Analysis,
  AnalysisStatus,
  Case,
  CaseInput,
  DevicePreference,
  Frame,
  Id,
  InferenceStatus,
  MAX_IMAGE_BYTES,
  Settings,
} from './schemas';

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'Expected file contents (bytes).' });
const empty = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });

export const requests = {
  'app.info': {
    input: empty,
    output: z.object({
      name: z.string(),
      version: z.string(),
      transport: z.enum(['electron', 'browser-host']),
      platform: z.string(),
      dataDir: z.string(),
    }),
  },
  'cases.list': {
    input: z.object({ search: z.string().max(200).optional() }).strict(),
    output: z.array(Case),
  },
  'cases.get': { input: z.object({ id: Id }).strict(), output: Case },
  'cases.create': { input: CaseInput.strict(), output: Case },
  'cases.update': {
    input: z.object({ id: Id, patch: CaseInput.partial().strict() }).strict(),
    output: Case,
  },
  'cases.delete': { input: z.object({ id: Id }).strict(), output: ok },
  'settings.get': { input: empty, output: Settings },
  'settings.update': { input: Settings.partial().strict(), output: Settings },

  'frames.addImage': {
    input: z
      .object({
        caseId: Id,
        fileName: z.string().trim().min(1).max(255),
        data: bytes.refine((b) => b.byteLength <= MAX_IMAGE_BYTES, `An image may be at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`),
      })
      .strict(),
    output: Frame,
  },
  'frames.list': { input: z.object({ caseId: Id }).strict(), output: z.array(Frame) },
  'frames.delete': { input: z.object({ id: Id }).strict(), output: ok },

  'inference.status': { input: empty, output: InferenceStatus },
  'inference.load': {
    input: z
      .object({
        modelPath: z.string().min(1).max(4096),
        mmprojPath: z.string().min(1).max(4096),
        device: DevicePreference,
        contextSize: z.number().int().min(1024).max(32768),
      })
      .strict(),
    output: InferenceStatus,
  },
  'inference.unload': { input: empty, output: InferenceStatus },

  'analysis.start': {
    input: z
      .object({
        frameId: Id,
        prompt: z.string().min(1).max(8000).optional(),
        maxTokens: z.number().int().min(1).max(4096).optional(),
      })
      .strict(),
    output: z.object({ jobId: z.string(), queuePosition: z.number().int().nonnegative() }),
  },
  'analysis.cancel': { input: z.object({ jobId: z.string().min(1).max(100) }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'analysis.list': { input: z.object({ frameId: Id }).strict(), output: z.array(Analysis) },
  'analysis.defaultPrompt': { input: empty, output: z.object({ prompt: z.string(), maxTokens: z.number().int() }) },
} as const;

export const events = {
  'analysis.token': z.object({ jobId: z.string(), frameId: Id, text: z.string() }),
  'analysis.status': z.object({
    jobId: z.string(),
    frameId: Id,
    status: AnalysisStatus,
    queuePosition: z.number().int().nonnegative().nullable(),
    message: z.string().nullable(),
    analysis: Analysis.nullable(),
  }),
  'inference.status': InferenceStatus,
  /** A menu command for the window (e.g. File > New case). */
  'app.command': z.object({ command: z.enum(['new-case']) }),
} as const;

export type Requests = typeof requests;
export type RequestChannel = keyof Requests;
export type EventName = keyof typeof events;
export type Input<C extends RequestChannel> = z.input<Requests[C]['input']>;
export type ParsedInput<C extends RequestChannel> = z.output<Requests[C]['input']>;
export type Output<C extends RequestChannel> = z.output<Requests[C]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const REQUEST_CHANNELS: readonly RequestChannel[] = REQUEST_CHANNEL_NAMES;
export const EVENT_NAMES: readonly EventName[] = EVENT_NAME_LIST;

// The zod-free name lists (channels.ts) and the schemas above must name exactly the same channels.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const channelsMatch: Same<RequestChannel, RequestChannelName> = true;
const eventsMatch: Same<EventName, EventNameName> = true;
void channelsMatch;
void eventsMatch;

export function isRequestChannel(name: string): name is RequestChannel {
  return Object.prototype.hasOwnProperty.call(requests, name);
}

export { IPC_EVENT_CHANNEL, IPC_PREFIX } from './channels';
