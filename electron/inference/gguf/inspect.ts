// Reading a GGUF's header to tell the user, before anything is loaded, whether a file is the Gemma 3 text model
// or its gemma3 vision projector, whether the two belong together, and whether the file is complete.
import fs from 'node:fs';
import path from 'node:path';
import { GgmlType, GgufFileType, readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { WorkstationError } from '../../api/errors';

export interface GgufSummary {
  path: string;
  fileName: string;
  sizeBytes: number;
  role: 'text' | 'mmproj' | 'other';
  architecture: string;
  name: string | null;
  quantization: string | null;
  parameterCount: number;
  tensorCount: number;
  /** Text model: its embedding size. mmproj: the size it projects to. */
  embeddingLength: number | null;
  projector: string | null;
  imageSize: number | null;
  contextLength: number | null;
}

export class ModelFileError extends WorkstationError {
  constructor(message: string) {
    super('unsupported-input', message);
  }
}

// Bytes per block and elements per block for the ggml types models are published in.
const BLOCK: Partial<Record<GgmlType, [bytes: number, elements: number]>> = {
  [GgmlType.F32]: [4, 1],
  [GgmlType.F16]: [2, 1],
  [GgmlType.BF16]: [2, 1],
  [GgmlType.Q4_0]: [18, 32],
  [GgmlType.Q4_1]: [20, 32],
  [GgmlType.Q5_0]: [22, 32],
  [GgmlType.Q5_1]: [24, 32],
  [GgmlType.Q8_0]: [34, 32],
  [GgmlType.Q2_K]: [84, 256],
  [GgmlType.Q3_K]: [110, 256],
  [GgmlType.Q4_K]: [144, 256],
  [GgmlType.Q5_K]: [176, 256],
  [GgmlType.Q6_K]: [210, 256],
  [GgmlType.Q8_K]: [292, 256],
};

function num(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function get(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const k of dotted.split('.')) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

export async function inspectGguf(file: string): Promise<GgufSummary> {
  const fileName = path.basename(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ModelFileError(`The file was not found: ${file}. Check the path, or choose the file again.`);
  }
  if (!stat.isFile()) throw new ModelFileError(`${fileName} is a folder, not a model file. Choose the .gguf file inside it.`);
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1') !== 'GGUF') {
    throw new ModelFileError(`${fileName} is not a GGUF model file (it does not start with "GGUF"). Choose a .gguf file, or convert the model first (scripts/convert-model).`);
  }
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(file, { readTensorInfo: true, ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'] });
  } catch (err) {
    throw new ModelFileError(`${fileName} could not be read as GGUF (${(err as Error).message}). The file may be incomplete or damaged: download or copy it again.`);
  }
  const md = info.metadata as unknown as Record<string, unknown>;
  const architecture = String(get(md, 'general.architecture') ?? 'unknown');
  const tensors = info.tensorInfo ?? [];
  let params = 0;
  let needed = 0;
  for (const t of tensors) {
    const elements = t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    params += elements;
    const block = BLOCK[t.ggmlType];
    const end = Number(t.fileOffset) + (block ? Math.ceil(elements / block[1]) * block[0] : 1);
    needed = Math.max(needed, end);
  }
  if (needed > stat.size) {
    throw new ModelFileError(
      `${fileName} is incomplete: it has ${stat.size.toLocaleString('en')} bytes but its tensors need ${needed.toLocaleString('en')}. Download or copy it again.`,
    );
  }
  const fileType = num(get(md, 'general.file_type'));
  const isClip = architecture === 'clip';
  return {
    path: file,
    fileName,
    sizeBytes: stat.size,
    role: isClip ? 'mmproj' : architecture === 'gemma3' ? 'text' : 'other',
    architecture,
    name: (get(md, 'general.name') as string | undefined) ?? null,
    quantization: fileType === null ? null : (GgufFileType[fileType] ?? `type ${fileType}`),
    parameterCount: params,
    tensorCount: tensors.length,
    embeddingLength: isClip ? num(get(md, 'clip.vision.projection_dim')) : num(get(md, `${architecture}.embedding_length`)),
    projector: isClip ? ((get(md, 'clip.projector_type') as string | undefined) ?? null) : null,
    imageSize: isClip ? num(get(md, 'clip.vision.image_size')) : null,
    contextLength: isClip ? null : num(get(md, `${architecture}.context_length`)),
  };
}

/** Both files, checked for what the workstation needs; throws ModelFileError with the reason. */
export async function checkModelPair(modelPath: string, mmprojPath: string): Promise<{ text: GgufSummary; mmproj: GgufSummary }> {
  const text = await inspectGguf(modelPath);
  const mmproj = await inspectGguf(mmprojPath);
  if (text.role === 'mmproj') {
    throw new ModelFileError(`${text.fileName} is a vision projector (mmproj), not the text model. Choose the larger .gguf as the model and this one as the mmproj.`);
  }
  if (text.architecture !== 'gemma3') {
    throw new ModelFileError(`${text.fileName} is a "${text.architecture}" model; this workstation needs a Gemma 3 (gemma3) model such as MedGemma 1.5 4B.`);
  }
  if (mmproj.role !== 'mmproj') {
    throw new ModelFileError(
      `${mmproj.fileName} is not a vision projector (mmproj): its architecture is "${mmproj.architecture}". Choose the mmproj .gguf that belongs to the model.`,
    );
  }
  if (mmproj.projector !== 'gemma3') {
    throw new ModelFileError(`${mmproj.fileName} is a "${mmproj.projector ?? 'unknown'}" projector; a Gemma 3 model needs the gemma3 projector.`);
  }
  if (mmproj.embeddingLength !== text.embeddingLength) {
    throw new ModelFileError(
      `These files do not belong together: the projector outputs ${mmproj.embeddingLength}-dimensional embeddings but the text model expects ${text.embeddingLength}. Use the mmproj converted from the same checkpoint.`,
    );
  }
  return { text, mmproj };
}
