// Domain schemas shared by every side of the contract. Types are inferred from these, never written twice.
import { z } from 'zod';

export const Id = z.number().int().positive();

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the date format YYYY-MM-DD.')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'That date does not exist.');

// A de-identified case code: letters, digits, dash, underscore, dot. No spaces (they invite names).
export const CaseCode = z
  .string()
  .trim()
  .min(1, 'Enter a case code.')
  .max(40, 'A case code has at most 40 characters.')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Use letters, digits, dot, dash or underscore only (a de-identified code, not a name).');

export const Eye = z.enum(['OD', 'OS', 'OU']);

export const CaseInput = z.object({
  code: CaseCode,
  surgeryDate: isoDate.nullable(),
  eye: Eye.nullable(),
  surgeon: z.string().trim().max(120, 'At most 120 characters.'),
  notes: z.string().max(20_000, 'Notes are limited to 20,000 characters.'),
});
export type CaseInput = z.infer<typeof CaseInput>;

export const Case = CaseInput.extend({
  id: Id,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Case = z.infer<typeof Case>;

export const Theme = z.enum(['system', 'light', 'dark']);
export const DevicePreference = z.enum(['auto', 'cuda', 'metal', 'vulkan', 'cpu']);
export type DevicePreference = z.infer<typeof DevicePreference>;

/** What the desktop file dialog is opened for (its filters and whether it picks a folder). */
export const PathPurpose = z.enum(['video', 'model', 'mmproj', 'library', 'certificate', 'folder']);
export type PathPurpose = z.infer<typeof PathPurpose>;

/**
 * Where analyses run: the local model files, an OpenAI-compatible server (vLLM, llama-server, serve-model), or the
 * shared engine of the department library the reviewer is signed in to (its server holds the engine's address and key).
 */
export const EngineKind = z.enum(['local', 'remote', 'department']);
export type EngineKind = z.infer<typeof EngineKind>;

/** A remote server's base address, e.g. http://gpu-server:8000 (a trailing /v1 is fine). */
export const RemoteUrl = z
  .string()
  .trim()
  .min(1, 'Enter the server address, e.g. http://gpu-server:8000.')
  .max(2048)
  .refine((s) => /^https?:\/\/[^\s/?#]+/i.test(s), 'Enter the server address starting with http:// or https://, e.g. http://gpu-server:8000.');
/** A model id as the server lists it in /v1/models. */
export const RemoteModelId = z.string().trim().min(1, 'Choose the model id the server lists.').max(512);
/** The remote server's API key: only ever passed through to the secret store and the server. */
export const RemoteApiKey = z.string().max(4096);

/**
 * What the reviewer is in the department, as data: who may sign off is a rule over these (electron/core/reviews/
 * review-lock-store.ts), not a switch in the UI.
 */
export const ReviewerRole = z.enum(['resident', 'attending', 'educator']);
export type ReviewerRole = z.infer<typeof ReviewerRole>;
export const REVIEWER_ROLE_LABELS: Record<ReviewerRole, string> = { resident: 'Resident', attending: 'Attending surgeon', educator: 'Educator' };

/** The review screen's own theme: dark by default (a viewer's surround), or light, or whatever the app uses. */
export const ReviewTheme = z.enum(['dark', 'light', 'app']);

export const Settings = z.object({
  theme: Theme,
  reviewTheme: ReviewTheme,
  reviewerName: z.string().trim().max(120),
  /** The reviewer's role (the sign-off names it); null until set in Settings. */
  reviewerRole: ReviewerRole.nullable(),
  devicePreference: DevicePreference,
  contextSize: z.number().int().min(1024).max(32768),
  /** Model files used the next time the engine starts (the model manager fills these). */
  modelPath: z.string().max(4096).nullable(),
  mmprojPath: z.string().max(4096).nullable(),
  /** The engine used the next time one starts; the remote API key is kept in the secret store, not here. */
  engine: EngineKind,
  remoteUrl: RemoteUrl.nullable(),
  remoteModel: RemoteModelId.nullable(),
  /** How many daily backups of the library are kept (the oldest go first). */
  backupsToKeep: z.number().int().min(1, 'Keep at least one daily backup.').max(365, 'Keep at most 365 daily backups.'),
  /** Memory the review's frame cache may hold (MiB); 512 fits an 8 GB laptop beside the model. */
  frameCacheMb: z.number().int().min(128, 'Give the frame cache at least 128 MB.').max(16384, 'Give the frame cache at most 16 GB.'),
  /** CPU threads for the local model on the CPU; null: one per math core, at most 8 (applies at the next load). */
  cpuThreads: z.number().int().min(1, 'Use at least one thread.').max(64, 'Use at most 64 threads.').nullable(),
  /** Work ahead: while the local model is idle, encode captured frames so that analysing them later skips the encode. */
  workAhead: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  reviewTheme: 'dark',
  reviewerName: '',
  reviewerRole: null,
  devicePreference: 'auto',
  contextSize: 4096,
  modelPath: null,
  mmprojPath: null,
  engine: 'local',
  remoteUrl: null,
  remoteModel: null,
  backupsToKeep: 7,
  frameCacheMb: 512,
  cpuThreads: null,
  workAhead: true,
};

export const FrameKind = z.enum(['still', 'capture', 'sample']);
export type FrameKind = z.infer<typeof FrameKind>;

/** A still image or a captured video frame, stored content-addressed (sha256) in the data folder. */
export const Frame = z.object({
  id: Id,
  caseId: Id,
  sourceName: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mime: z.enum(['image/png', 'image/jpeg']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** still: added to the case; capture: the reviewer captured it; sample: the phase timeline took it (Analyse video). */
  kind: FrameKind,
  /** Set for a frame captured from a video in a review; null for a still image added to the case. */
  reviewId: Id.nullable(),
  videoId: Id.nullable(),
  frameIndex: z.number().int().nonnegative().nullable(),
  mediaTime: z.number().nonnegative().nullable(),
});
export type Frame = z.infer<typeof Frame>;

export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export const AnalysisStatus = z.enum(['queued', 'running', 'completed', 'cancelled', 'failed']);
export type AnalysisStatus = z.infer<typeof AnalysisStatus>;

export const SuggestedTag = z.object({
  kind: z.enum(['phase', 'instrument', 'anatomy']),
  id: z.string(),
  label: z.string(),
  matched: z.array(z.string()),
});
export type SuggestedTag = z.infer<typeof SuggestedTag>;

export const AnalysisTimings = z.object({
  loadMs: z.number().nullable(),
  encodeMs: z.number().nullable(),
  timeToFirstTokenMs: z.number().nullable(),
  decodeTokensPerSecond: z.number().nullable(),
  promptTokens: z.number().int().nullable(),
  generatedTokens: z.number().int(),
  totalMs: z.number(),
  /** Positions of the conversation kept in the model's context and not evaluated again (follow-ups, local engine). */
  reusedTokens: z.number().int().optional(),
  /** false when the answer came from the kept context without encoding the image again. */
  imageEncoded: z.boolean().optional(),
  /** The image's embedding came from the disk cache (the frame was encoded before, with the same projector). */
  embeddingCached: z.boolean().optional(),
  /** The answer was cut: the server's context ran out before the token limit (remote engine). */
  cutByContext: z.boolean().optional(),
});
export type AnalysisTimings = z.infer<typeof AnalysisTimings>;

/**
 * How long an analysis takes with the loaded model on this computer: medians of the latest completed analyses that
 * ran with the same model files (or server and model) on the same device. null when none has run yet.
 */
export const ExpectedTimes = z.object({
  /** How many analyses the medians come from (at most 20, the latest). */
  basedOn: z.number().int().positive(),
  /** The device line they ran on ("cpu: AMD EPYC (2 threads)"). */
  device: z.string(),
  onCpu: z.boolean(),
  /** Image encode (null on a remote server: not visible from here). */
  encodeMs: z.number().nullable(),
  firstTokenMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  /** The whole analysis, from start to the last token. */
  analysisMs: z.number(),
});
export type ExpectedTimes = z.infer<typeof ExpectedTimes>;

export const GenerationParams = z.object({
  maxTokens: z.number().int().min(1).max(4096),
  temperature: z.literal(0),
});
export type GenerationParams = z.infer<typeof GenerationParams>;

export const Provenance = z.object({
  engine: z.string(),
  engineVersion: z.string(),
  llamaCppRelease: z.string(),
  device: z.string(),
  modelFile: z.string(),
  modelSha256: z.string(),
  mmprojFile: z.string(),
  mmprojSha256: z.string(),
  modelName: z.string(),
  /** Remote engine only: the server's base URL and the model id it was asked for (file and hashes read 'remote'). */
  serverUrl: z.string().optional(),
  remoteModel: z.string().optional(),
  /**
   * The prompt layout the model was asked in (electron/inference/prompt.ts PROMPT_LAYOUT). Absent on analyses stored
   * before it was recorded: those were asked in llama.cpp's layout, which the fine-tuned model never saw in training.
   */
  promptLayout: z.string().optional(),
  /** The server's context size and build (remote engine, when the server says: llama-server's meta.n_ctx, system_fingerprint). */
  serverContextSize: z.number().int().optional(),
  serverFingerprint: z.string().optional(),
});
export type Provenance = z.infer<typeof Provenance>;

export const Analysis = z.object({
  id: Id,
  frameId: Id,
  status: z.enum(['completed', 'cancelled', 'failed']),
  prompt: z.string(),
  params: GenerationParams,
  provenance: Provenance,
  rawText: z.string(),
  thinking: z.string().nullable(),
  answer: z.string(),
  structured: z.boolean(),
  suggestedTags: z.array(SuggestedTag),
  timings: AnalysisTimings,
  error: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string(),
});
export type Analysis = z.infer<typeof Analysis>;

/** A follow-up question about an analysed frame and the model's answer (turn 1 is the first follow-up). */
export const AnalysisTurn = z.object({
  id: Id,
  analysisId: Id,
  position: z.number().int().min(1),
  question: z.string(),
  status: z.enum(['completed', 'cancelled', 'failed']),
  answer: z.string(),
  params: GenerationParams,
  provenance: Provenance,
  timings: AnalysisTimings,
  error: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string(),
});
export type AnalysisTurn = z.infer<typeof AnalysisTurn>;

export const InferenceDevice = z.object({
  /** What node-llama-cpp really loaded: 'cpu', 'cuda', 'metal' or 'vulkan'. */
  backend: z.string(),
  names: z.array(z.string()),
  vramTotalBytes: z.number().nullable(),
  vramUsedBytes: z.number().nullable(),
  /** Why the backend differs from the preference, when it does. */
  fallbackReason: z.string().nullable(),
});
export type InferenceDevice = z.infer<typeof InferenceDevice>;

/** One step of loading a model, as the status shows it while loading (6–12 s on a CPU). */
export const LoadStep = z.object({
  id: z.enum(['starting', 'checking', 'runtime', 'weights', 'connecting']),
  label: z.string(),
  state: z.enum(['done', 'running', 'pending']),
  /** How long it took (done) or has taken so far (running), in ms. */
  ms: z.number().nonnegative().nullable(),
});
export type LoadStep = z.infer<typeof LoadStep>;

export const InferenceStatus = z.object({
  state: z.enum(['no-model', 'loading', 'ready', 'crashed', 'error']),
  /** While loading: the steps, which are done and which one is running. */
  loadSteps: z.array(LoadStep).optional(),
  message: z.string().nullable(),
  model: z
    .object({
      name: z.string(),
      modelPath: z.string(),
      mmprojPath: z.string(),
      imageSize: z.number().int(),
      contextSize: z.number().int(),
      /** Set for the remote engine (model and mmproj paths are then empty). */
      engine: EngineKind.optional(),
      serverUrl: z.string().optional(),
      remoteModel: z.string().optional(),
    })
    .nullable(),
  device: InferenceDevice.nullable(),
  runningAnalysisId: z.string().nullable(),
  queued: z.number().int().nonnegative(),
  /** Work ahead: the local model is encoding a captured frame while idle (it gives way to any request). */
  encodingAhead: z.boolean().optional(),
});
export type InferenceStatus = z.infer<typeof InferenceStatus>;

// The model manager's schemas (schemas-models.ts).
export * from './schemas-models';
