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

export const Settings = z.object({
  theme: Theme,
  reviewerName: z.string().trim().max(120),
  devicePreference: DevicePreference,
  contextSize: z.number().int().min(1024).max(32768),
  /** Model files used the next time the engine starts (the model manager fills these). */
  modelPath: z.string().max(4096).nullable(),
  mmprojPath: z.string().max(4096).nullable(),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  reviewerName: '',
  devicePreference: 'auto',
  contextSize: 4096,
  modelPath: null,
  mmprojPath: null,
};

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
});
export type AnalysisTimings = z.infer<typeof AnalysisTimings>;

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

export const InferenceStatus = z.object({
  state: z.enum(['no-model', 'loading', 'ready', 'crashed', 'error']),
  message: z.string().nullable(),
  model: z
    .object({
      name: z.string(),
      modelPath: z.string(),
      mmprojPath: z.string(),
      imageSize: z.number().int(),
      contextSize: z.number().int(),
    })
    .nullable(),
  device: InferenceDevice.nullable(),
  runningAnalysisId: z.string().nullable(),
  queued: z.number().int().nonnegative(),
});
export type InferenceStatus = z.infer<typeof InferenceStatus>;
