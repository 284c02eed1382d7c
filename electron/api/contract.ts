// The contract: every request channel and event, with its zod schemas. The renderer, the preload, main and
// the browser host all use this module; it imports nothing from the project but ./schemas.
import { z } from 'zod';
import { EVENT_NAME_LIST, REQUEST_CHANNEL_NAMES, type EventNameName, type RequestChannelName } from './channels';
import {
  Analysis,
  AnalysisTurn,
  AnalysisStatus,
  Case,
  CaseInput,
  CatalogEntry,
  CatalogId,
  DevicePreference,
  DownloadProgress,
  ExpectedTimes,
  Frame,
  Id,
  ImportProgress,
  InferenceStatus,
  InstalledModel,
  MAX_IMAGE_BYTES,
  ModelFileSummary,
  ModelId,
  PathPurpose,
  RemoteApiKey,
  RemoteConnectionTest,
  RemoteModelId,
  RemoteUrl,
  SecretName,
  SecretsStatus,
  Settings,
  StorageMode,
} from './schemas';
import { videoEvents, videoRequests } from './contract-video';
import { reviewEvents, reviewRequests } from './contract-review';
import { reportEvents, reportRequests } from './contract-reports';
import { clipEvents, clipRequests } from './contract-clips';
import { timelineEvents, timelineRequests } from './contract-timeline';
import { assessmentRequests } from './contract-assessment';
import { teachingRequests } from './contract-teaching';
import { departmentEvents, departmentRequests } from './contract-department';

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'Expected file contents (bytes).' });
const empty = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });
const filePath = z.string().trim().min(1, 'Enter a path.').max(4096);
const contextSize = z.number().int().min(1024).max(32768);
const jobId = z.string().min(1).max(100);

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
  /**
   * The desktop app's own file dialog: the file or folder the reviewer picks, or null when they cancel. The browser
   * host has none (it answers unavailable); there the renderer offers only its path fields and drop.
   */
  'app.choosePath': {
    input: z.object({ purpose: PathPurpose, title: z.string().max(200).optional() }).strict(),
    output: z.object({ path: z.string().nullable() }),
  },
  /**
   * Help → Open log folder, and the same button in Settings: the desktop app opens the folder of the log files in
   * the file manager (opened true); the browser host cannot, and answers where the folder is (opened false).
   */
  'app.openLogFolder': {
    input: empty,
    output: z.object({ opened: z.boolean(), folder: z.string() }),
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
  /** A case's still images and the frames its reviewers captured (the phase timeline's samples with `samples`). */
  'frames.list': { input: z.object({ caseId: Id, samples: z.boolean().optional() }).strict(), output: z.array(Frame) },
  'frames.delete': { input: z.object({ id: Id }).strict(), output: ok },

  'inference.status': { input: empty, output: InferenceStatus },
  'inference.load': {
    input: z.union([
      // The local engine: model files on this machine.
      z
        .object({
          engine: z.literal('local').optional(),
          modelPath: z.string().min(1).max(4096),
          mmprojPath: z.string().min(1).max(4096),
          device: DevicePreference,
          contextSize: z.number().int().min(1024).max(32768),
        })
        .strict(),
      // The remote engine: an OpenAI-compatible server. A given apiKey is saved as the 'remote-api-key' secret
      // once the server accepted it ('' or null clears it); without one, the saved key is used.
      z.object({ engine: z.literal('remote'), url: RemoteUrl, model: RemoteModelId, apiKey: RemoteApiKey.nullable().optional() }).strict(),
      // The department library's shared engine, through the department server the reviewer is signed in to (its model).
      z.object({ engine: z.literal('department') }).strict(),
    ]),
    output: InferenceStatus,
  },
  /** Checks a remote server without changing anything: its model list, and whether the model takes an image. */
  'inference.testConnection': {
    input: z.object({ url: RemoteUrl, model: RemoteModelId.optional(), apiKey: RemoteApiKey.optional() }).strict(),
    output: RemoteConnectionTest,
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
  /** How long an analysis takes with the loaded model on this computer (medians of the latest ones); null before any. */
  'analysis.expected': { input: empty, output: ExpectedTimes.nullable() },
  'analysis.defaultPrompt': { input: empty, output: z.object({ prompt: z.string(), maxTokens: z.number().int() }) },
  /** A follow-up question about an analysed frame; streams as analysis.token / analysis.status with this jobId. */
  'analysis.ask': {
    input: z
      .object({
        analysisId: Id,
        question: z.string().trim().min(1, 'Type a question first.').max(2000),
        maxTokens: z.number().int().min(1).max(4096).optional(),
      })
      .strict(),
    output: z.object({ jobId: z.string(), queuePosition: z.number().int().nonnegative() }),
  },
  /** The follow-up turns of an analysis, in order. */
  'analysis.turns': { input: z.object({ analysisId: Id }).strict(), output: z.array(AnalysisTurn) },
  /** Deletes a turn and the turns after it (they were asked with its answer in context). */
  'analysis.deleteTurn': { input: z.object({ turnId: Id }).strict(), output: z.object({ deleted: z.number().int() }) },
  /** The follow-up questions offered as one-click chips (resources/prompts/follow-up-questions.json). */
  'analysis.followUpChips': { input: empty, output: z.array(z.string()) },

  // The model manager: the catalog, downloads, imports, the installed models and which one is active.
  'models.catalog': { input: empty, output: z.array(CatalogEntry.extend({ installedId: ModelId.nullable() })) },
  'models.list': { input: empty, output: z.array(InstalledModel) },
  'models.inspect': { input: z.object({ path: filePath }).strict(), output: ModelFileSummary },
  'models.import': {
    input: z
      .object({
        modelPath: filePath.optional(),
        mmprojPath: filePath.optional(),
        folder: filePath.optional(),
        mode: StorageMode,
        title: z.string().trim().min(1).max(120).optional(),
      })
      .strict()
      .superRefine((v, ctx) => {
        const pair = v.modelPath !== undefined || v.mmprojPath !== undefined;
        if (pair && v.folder !== undefined) ctx.addIssue({ code: 'custom', path: ['folder'], message: 'Give either the two files or a folder, not both.' });
        else if (!pair && v.folder === undefined) ctx.addIssue({ code: 'custom', path: ['folder'], message: 'Give the model and mmproj files, or a folder that holds them.' });
        else if (pair && v.modelPath === undefined) ctx.addIssue({ code: 'custom', path: ['modelPath'], message: 'Enter the path of the GGUF text model.' });
        else if (pair && v.mmprojPath === undefined) ctx.addIssue({ code: 'custom', path: ['mmprojPath'], message: 'Enter the path of the mmproj (vision projector) GGUF.' });
      }),
    output: z.object({ model: InstalledModel, notes: z.array(z.string()) }),
  },
  'models.download': { input: z.object({ catalogId: CatalogId }).strict(), output: z.object({ jobId: z.string() }) },
  'models.downloads': { input: empty, output: z.array(DownloadProgress) },
  'models.cancelDownload': { input: z.object({ jobId }).strict(), output: z.object({ cancelled: z.boolean() }) },
  /** Stops the running import (hashing or copying): nothing is installed and no partial copy is left. */
  'models.cancelImport': { input: empty, output: z.object({ cancelled: z.boolean() }) },
  'models.remove': {
    input: z.object({ id: ModelId }).strict(),
    output: z.object({ removed: z.literal(true), deletedFiles: z.array(z.string()), keptFiles: z.array(z.string()) }),
  },
  'models.activate': {
    input: z.object({ id: ModelId, device: DevicePreference, contextSize }).strict(),
    output: z.object({ model: InstalledModel, status: InferenceStatus }),
  },
  /** A short analysis of the bundled sample image with the loaded (or active) model; streams models.test* events. */
  'models.test': { input: z.object({ maxTokens: z.number().int().min(1).max(512).optional() }).strict(), output: z.object({ jobId: z.string() }) },

  // Secrets: the UI learns only whether one is set, never its value.
  'secrets.status': { input: empty, output: SecretsStatus },
  'secrets.set': {
    input: z
      .object({
        name: SecretName,
        value: z
          .string()
          .trim()
          .min(1, 'Enter the token, or clear it.')
          .max(4096)
          .regex(/^[\x21-\x7e]+$/, 'A token has no spaces or special characters; paste it again.')
          .nullable(),
      })
      .strict(),
    output: SecretsStatus,
  },
  ...videoRequests,
  ...reviewRequests,
  ...reportRequests,
  ...clipRequests,
  ...timelineRequests,
  ...assessmentRequests,
  ...teachingRequests,
  ...departmentRequests,
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
    /** Set for a follow-up question's job: the stored turn once it finished. */
    turn: AnalysisTurn.nullable().optional(),
  }),
  'inference.status': InferenceStatus,
  /** A menu command for the window (e.g. File > New case). */
  'app.command': z.object({ command: z.enum(['new-case']) }),
  'models.downloadProgress': DownloadProgress,
  'models.importProgress': ImportProgress,
  'models.testToken': z.object({ jobId: z.string(), text: z.string() }),
  'models.testStatus': z.object({
    jobId: z.string(),
    status: AnalysisStatus,
    message: z.string().nullable(),
    /** The whole text once finished. */
    text: z.string().nullable(),
    device: z.string().nullable(),
    modelName: z.string().nullable(),
  }),
  ...videoEvents,
  ...reviewEvents,
  ...reportEvents,
  ...clipEvents,
  ...timelineEvents,
  ...departmentEvents,
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
