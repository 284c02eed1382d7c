// Schemas of the model manager: installed models, the catalog, downloads and imports, GGUF summaries, the secret
// store's status and the remote server check.
// Re-exported by schemas.ts, so the contract's users import them from there as before.
import { z } from 'zod';

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 lowercase hexadecimal characters.');
/** An installed model's id (also its folder name under <data>/models/). */
export const ModelId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'A model id uses lowercase letters, digits, dot, dash or underscore.');
export const CatalogId = ModelId;

/** One GGUF file's header, summarised (electron/inference/gguf/inspect.ts). */
export const ModelFileSummary = z.object({
  path: z.string(),
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  role: z.enum(['text', 'mmproj', 'other']),
  architecture: z.string(),
  name: z.string().nullable(),
  quantization: z.string().nullable(),
  parameterCount: z.number().int().nonnegative(),
  tensorCount: z.number().int().nonnegative(),
  embeddingLength: z.number().int().nullable(),
  projector: z.string().nullable(),
  imageSize: z.number().int().nullable(),
  contextLength: z.number().int().nullable(),
});
export type ModelFileSummary = z.infer<typeof ModelFileSummary>;

export const CatalogFile = z.object({
  role: z.enum(['text', 'mmproj']),
  fileName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$/, 'A catalog file name is a plain .gguf file name.'),
  url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'Only http(s) URLs.'),
  /** Exact size in bytes when known (then verified); null when only an estimate is known. */
  sizeBytes: z.number().int().positive().nullable(),
  /** For display and the free-space check before the server says the real size. */
  approxSizeBytes: z.number().int().positive(),
  sha256: Sha256.nullable(),
});
export type CatalogFile = z.infer<typeof CatalogFile>;

export const CatalogEntry = z.object({
  id: CatalogId,
  title: z.string(),
  description: z.string(),
  /** true only for the cataract fine-tune; the base MedGemma is not fine-tuned for cataract review. */
  fineTuned: z.boolean(),
  modelPage: z.string().url(),
  licence: z.object({ name: z.string(), url: z.string().url(), note: z.string() }),
  /** The files may need a Hugging Face access token (gated repositories). */
  gated: z.boolean(),
  /** Empty when there is nothing to download (the cataract fine-tune: convert or import). */
  files: z.array(CatalogFile),
  /** How to get the model when it cannot be downloaded here, one step per line. */
  howToGet: z.array(z.string()),
  note: z.string().nullable(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const ModelCatalog = z.object({ version: z.literal(1), entries: z.array(CatalogEntry) });
export type ModelCatalog = z.infer<typeof ModelCatalog>;

export const StorageMode = z.enum(['copy', 'hardlink', 'reference']);
export type StorageMode = z.infer<typeof StorageMode>;

export const InstalledModelFile = z.object({
  path: z.string(),
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: Sha256,
});

export const InstalledModel = z.object({
  id: ModelId,
  title: z.string(),
  source: z.enum(['catalog', 'imported', 'converted']),
  catalogId: z.string().nullable(),
  /** download = fetched into the data folder by the app; copy/hardlink = put there on import; reference = the user's own files. */
  storage: z.enum(['download', 'copy', 'hardlink', 'reference']),
  /** null when unknown (an imported file says nothing about its training). */
  fineTuned: z.boolean().nullable(),
  name: z.string().nullable(),
  quantization: z.string().nullable(),
  parameterCount: z.number().int().nonnegative(),
  imageSize: z.number().int().nullable(),
  embeddingLength: z.number().int().nullable(),
  text: InstalledModelFile,
  mmproj: InstalledModelFile,
  addedAt: z.string(),
  /** The model the engine uses (the settings' model files are this model's). */
  active: z.boolean(),
  /** Loaded in the inference process right now. */
  loaded: z.boolean(),
  /** What it runs on while loaded ('cuda: NVIDIA …', 'cpu'), else null. */
  device: z.string().nullable(),
  /** Files of this model that are gone from disk (moved or deleted outside the app). */
  missingFiles: z.array(z.string()),
});
export type InstalledModel = z.infer<typeof InstalledModel>;

export const DownloadState = z.enum(['starting', 'downloading', 'retrying', 'verifying', 'installing', 'completed', 'failed', 'cancelled']);
export type DownloadState = z.infer<typeof DownloadState>;

export const DownloadProgress = z.object({
  jobId: z.string(),
  catalogId: z.string(),
  /** The file being fetched now (null before the first and after the last). */
  fileName: z.string().nullable(),
  receivedBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  state: DownloadState,
  message: z.string().nullable(),
  /** The installed model once the download is complete. */
  model: InstalledModel.nullable(),
});
export type DownloadProgress = z.infer<typeof DownloadProgress>;

/** An import's progress: hashing each file (to identify it), then copying it when the mode is copy. */
export const ImportProgress = z.object({
  step: z.enum(['hashing', 'copying']),
  /** The file's name (not its path). */
  fileName: z.string(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
});
export type ImportProgress = z.infer<typeof ImportProgress>;

export const SecretName = z.enum(['huggingface-token', 'remote-api-key']);
export const SecretsStatus = z.object({ secrets: z.array(z.object({ name: SecretName, set: z.boolean() })) });
export type SecretsStatus = z.infer<typeof SecretsStatus>;

/** What "Test connection" found out about a remote server. */
export const RemoteConnectionTest = z.object({
  ok: z.boolean(),
  /** The model ids the server lists (empty when it could not be reached). */
  models: z.array(z.string()),
  /** Whether the model takes images: true/false when known (a probe or the model list), null when unknown. */
  multimodal: z.boolean().nullable(),
  /** One sentence for the reviewer: what works, or what is wrong and what to do. */
  message: z.string(),
});
export type RemoteConnectionTest = z.infer<typeof RemoteConnectionTest>;
