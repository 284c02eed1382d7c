// Importing a model the user already has: a text GGUF + its mmproj (or a folder holding them), checked with
// checkModelPair, then copied (streamed to a temp name, verified, renamed), hard-linked, or used where it is.
import type { Database } from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WorkstationError } from '../../api/errors';
import type { ImportProgress, StorageMode } from '../../api/schemas';
import { ensureFreeSpace } from './disk-space';
import { ByteWorkCancelled, type ByteProgress } from './file-hash';
import { checkModelPair, inspectGguf, ModelFileError, type GgufSummary } from '../../inference/gguf/inspect';
import type { ModelRecord, ModelsRepo } from './models-repo';

export interface ImportRequest {
  modelPath?: string | undefined;
  mmprojPath?: string | undefined;
  folder?: string | undefined;
  mode: StorageMode;
  title?: string | undefined;
}

export interface ImportDeps {
  db: Database;
  repo: ModelsRepo;
  /** <data>/models: where copies and hard links go, one folder per model id. */
  modelsRoot: string;
  hash(file: string, progress?: ByteProgress): Promise<string>;
  freeSpace?: (dir: string) => Promise<number | null>;
  /** Hashing and copying progress, per file. */
  onProgress?: (p: ImportProgress) => void;
  /** Cancels the import: nothing is installed and no partial copy stays. */
  signal?: AbortSignal;
  /** Read size for hashing and copying (tests make it small). */
  chunkBytes?: number;
}

export interface ImportResult {
  model: ModelRecord;
  notes: string[];
}

/** 'MOSTLY_Q4_K_M' → 'Q4_K_M', 'ALL_F32' → 'F32'. */
export function quantLabel(q: string | null): string | null {
  if (!q) return null;
  return q.replace(/^(MOSTLY|ALL)_/, '');
}

export function slug(s: string, max = 40): string {
  const out = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return out || 'model';
}

/** The id of an imported model: readable, and unique to the exact text file (its sha256). */
export function modelIdFor(text: GgufSummary, textSha: string): string {
  const stem = text.name ?? path.basename(text.fileName, path.extname(text.fileName));
  const q = quantLabel(text.quantization);
  const base = slug(stem, 48);
  const withQuant = q && !base.includes(slug(q)) ? `${base}-${slug(q)}` : base;
  return `${withQuant}-${textSha.slice(0, 8)}`;
}

const QUANT_PREFERENCE = ['Q4_K_M', 'Q8_0'];

/**
 * Which projector to pick, measured at the real size on a 2-core CPU (README, "Real-size benchmark"): a Q8_0
 * projector encoded a frame no faster than the f16 one (ggml's CPU matrix code is as fast on f16), so f16 is chosen.
 */
export const PROJECTOR_ADVICE =
  'On a computer without a GPU a Q8_0 projector measured no faster than the f16 one (about 4.5 minutes a frame on 2 cores either way), so the f16 projector was chosen; Q8_0 only saves about 0.26 GB of memory.';

/** From a folder of .gguf files, the text model (Q4_K_M first, then Q8_0) and the gemma3 mmproj that fits it. */
export async function pickFromFolder(folder: string): Promise<{ modelPath: string; mmprojPath: string; notes: string[] }> {
  let names: string[];
  try {
    const st = fs.statSync(folder);
    if (!st.isDirectory()) throw new ModelFileError(`${folder} is a file, not a folder. Choose the folder that holds the model files, or import the two files.`);
    names = fs.readdirSync(folder);
  } catch (err) {
    if (err instanceof WorkstationError) throw err;
    throw new ModelFileError(`The folder was not found: ${folder}. Check the path.`);
  }
  const ggufs = names.filter((n) => /\.gguf$/i.test(n)).sort();
  if (ggufs.length === 0) throw new ModelFileError(`There are no .gguf files in ${folder}. Convert the model first (scripts/convert-model), or choose the folder that holds the GGUF files.`);

  const texts: GgufSummary[] = [];
  const mmprojs: GgufSummary[] = [];
  const skipped: string[] = [];
  for (const n of ggufs) {
    try {
      const s = await inspectGguf(path.join(folder, n));
      if (s.role === 'text') texts.push(s);
      else if (s.role === 'mmproj' && s.projector === 'gemma3') mmprojs.push(s);
      else skipped.push(s.role === 'mmproj' ? `${n} (a "${s.projector ?? 'unknown'}" projector)` : `${n} (a "${s.architecture}" model)`);
    } catch (err) {
      skipped.push(`${n} (${(err as Error).message})`);
    }
  }
  if (texts.length === 0) {
    throw new ModelFileError(
      `No Gemma 3 text model was found in ${folder}.${skipped.length ? ` Not usable: ${skipped.join('; ')}.` : ''} The folder needs a gemma3 .gguf and its mmproj.`,
    );
  }
  const rank = (s: GgufSummary) => {
    const i = QUANT_PREFERENCE.indexOf(quantLabel(s.quantization) ?? '');
    return i === -1 ? QUANT_PREFERENCE.length : i;
  };
  texts.sort((a, b) => rank(a) - rank(b) || a.sizeBytes - b.sizeBytes || a.fileName.localeCompare(b.fileName));
  const text = texts[0]!;
  if (mmprojs.length === 0) {
    throw new ModelFileError(`${folder} has the text model ${text.fileName} but no gemma3 vision projector (mmproj) .gguf. Convert it with scripts/convert-model --mmproj-only, or add the mmproj file.`);
  }
  const fitting = mmprojs.filter((m) => m.embeddingLength === text.embeddingLength);
  fitting.sort((a, b) => Number(quantLabel(b.quantization) === 'F16') - Number(quantLabel(a.quantization) === 'F16') || a.fileName.localeCompare(b.fileName));
  const mmproj = fitting[0] ?? mmprojs[0]!; // none fits: checkModelPair explains the mismatch
  const notes = [`Chose ${text.fileName} (${quantLabel(text.quantization) ?? 'unknown type'}) and ${mmproj.fileName} from ${folder}.`];
  const others = texts.slice(1).map((t) => `${t.fileName} (${quantLabel(t.quantization) ?? '?'})`);
  if (others.length) notes.push(`Also found ${others.join(', ')}: import it with the two file fields to use it instead.`);
  const otherProjectors = fitting.filter((m) => m !== mmproj).map((m) => `${m.fileName} (${quantLabel(m.quantization) ?? '?'})`);
  if (otherProjectors.length) notes.push(`Also found the projector ${otherProjectors.join(', ')}. ${PROJECTOR_ADVICE}`);
  if (skipped.length) notes.push(`Not usable: ${skipped.join('; ')}.`);
  return { modelPath: text.path, mmprojPath: mmproj.path, notes };
}

interface ConvertManifest {
  name: string;
  outputs: Record<string, string>;
}

/** The manifest scripts/convert-model writes next to its outputs, if this file is one of them. */
export function findConvertManifest(modelPath: string): ConvertManifest | null {
  const dir = path.dirname(modelPath);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.convert.json'));
  } catch {
    return null;
  }
  for (const n of names) {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as ConvertManifest;
      if (typeof m.name === 'string' && m.outputs && Object.values(m.outputs).includes(path.basename(modelPath))) return m;
    } catch {
      // not ours, or damaged: ignore
    }
  }
  return null;
}

/** Records a file's sha256 in the hash cache (file_hashes), so provenance does not hash a 3 GB file again. */
export function rememberHash(db: Database, file: string, sha256: string): void {
  const st = fs.statSync(file);
  db.prepare(
    `INSERT INTO file_hashes (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)
     ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256`,
  ).run(file, st.size, Math.floor(st.mtimeMs), sha256);
}

const importCancelled = () => new WorkstationError('cancelled', 'The import was cancelled. Nothing was installed.');

/** Streams src to dest through a temp name, hashing what is written; renames only when the hash matches. */
async function copyVerified(src: string, dest: string, expectedSha: string, o: ByteProgress = {}): Promise<void> {
  const tmp = `${dest}.partial`;
  const hash = crypto.createHash('sha256');
  let done = 0;
  try {
    await pipeline(
      fs.createReadStream(src, { highWaterMark: o.chunkBytes ?? 4 * 1024 * 1024 }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          if (o.signal?.aborted) throw new ByteWorkCancelled();
          hash.update(chunk);
          done += chunk.length;
          o.onBytes?.(done);
          yield chunk;
        }
      },
      fs.createWriteStream(tmp, { flags: 'wx' }),
    );
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const got = hash.digest('hex');
    if (got !== expectedSha) throw new WorkstationError('internal', `${path.basename(src)} changed while it was being copied. Import it again.`);
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (err instanceof WorkstationError) throw err;
    if (err instanceof ByteWorkCancelled) throw importCancelled();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new WorkstationError('unavailable', `The disk became full while copying ${path.basename(src)}. Nothing was imported; free some space and try again.`);
    throw new WorkstationError('internal', `Copying ${path.basename(src)} failed: ${(err as Error).message}`);
  }
}

function linkInto(src: string, dest: string): void {
  try {
    fs.linkSync(src, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EXDEV') {
      throw new WorkstationError(
        'unsupported-input',
        `${path.basename(src)} is on a different disk from the workstation's data folder, and a hard link only works on the same disk. Choose "copy" or "reference" instead.`,
      );
    }
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EACCES') {
      throw new WorkstationError('unsupported-input', `The disk holding ${path.basename(src)} does not allow a hard link here (${code}). Choose "copy" or "reference" instead.`);
    }
    throw new WorkstationError('internal', `Hard-linking ${path.basename(src)} failed: ${(err as Error).message}`);
  }
}

export async function importModel(req: ImportRequest, d: ImportDeps): Promise<ImportResult> {
  const notes: string[] = [];
  let modelPath: string;
  let mmprojPath: string;
  if (req.folder !== undefined) {
    const picked = await pickFromFolder(path.resolve(req.folder));
    ({ modelPath, mmprojPath } = picked);
    notes.push(...picked.notes);
  } else {
    modelPath = path.resolve(req.modelPath!);
    mmprojPath = path.resolve(req.mmprojPath!);
  }
  const pair = await checkModelPair(modelPath, mmprojPath);

  const existingAtPath = req.mode === 'reference' ? d.repo.findByPaths(modelPath, mmprojPath) : null;
  if (existingAtPath) throw new WorkstationError('conflict', `These files are already installed as "${existingAtPath.title}".`);
  // Progress per file, at most every 100 ms and always at a file's end.
  const progress = (step: ImportProgress['step'], file: string, total: number): ByteProgress => {
    let last = 0;
    d.onProgress?.({ step, fileName: path.basename(file), bytesDone: 0, bytesTotal: total });
    return {
      signal: d.signal,
      chunkBytes: d.chunkBytes,
      onBytes: (done) => {
        const now = Date.now();
        if (done < total && now - last < 100) return;
        last = now;
        d.onProgress?.({ step, fileName: path.basename(file), bytesDone: done, bytesTotal: total });
      },
    };
  };
  const hashOf = async (file: string, size: number) => {
    try {
      const sha = await d.hash(file, progress('hashing', file, size));
      // A hash known from before reads nothing: say the step is done all the same.
      d.onProgress?.({ step: 'hashing', fileName: path.basename(file), bytesDone: size, bytesTotal: size });
      return sha;
    } catch (err) {
      throw err instanceof ByteWorkCancelled ? importCancelled() : err;
    }
  };
  const textSha = await hashOf(modelPath, pair.text.sizeBytes);
  const mmprojSha = await hashOf(mmprojPath, pair.mmproj.sizeBytes);
  const same = d.repo.findByHashes(textSha, mmprojSha);
  if (same) throw new WorkstationError('conflict', `This model (the same two files, by sha256) is already installed as "${same.title}".`);

  const manifest = findConvertManifest(modelPath);
  const quant = quantLabel(pair.text.quantization);
  const id = modelIdFor(pair.text, textSha);
  const title = req.title ?? `${manifest?.name ?? pair.text.name ?? path.basename(modelPath, '.gguf')}${quant ? ` (${quant})` : ''}`;

  let textDest = modelPath;
  let mmprojDest = mmprojPath;
  let finalDir: string | null = null;
  if (req.mode !== 'reference') {
    fs.mkdirSync(d.modelsRoot, { recursive: true });
    if (req.mode === 'copy') {
      await ensureFreeSpace(d.modelsRoot, pair.text.sizeBytes + pair.mmproj.sizeBytes, 'copying the model', 'Free some space, or import with "reference" to use the files where they are.', d.freeSpace);
    }
    const stage = path.join(d.modelsRoot, `.import-${crypto.randomUUID()}`);
    fs.mkdirSync(stage);
    finalDir = path.join(d.modelsRoot, id);
    try {
      const names = [path.basename(modelPath), path.basename(mmprojPath)];
      if (names[0] === names[1]) names[1] = `mmproj-${names[1]}`;
      const [stText, stMmproj] = names.map((n) => path.join(stage, n)) as [string, string];
      if (req.mode === 'copy') {
        await copyVerified(modelPath, stText, textSha, progress('copying', modelPath, pair.text.sizeBytes));
        await copyVerified(mmprojPath, stMmproj, mmprojSha, progress('copying', mmprojPath, pair.mmproj.sizeBytes));
      } else {
        linkInto(modelPath, stText);
        linkInto(mmprojPath, stMmproj);
      }
      // A leftover folder of this id is not a registered model (the id is unique to the file): replace it.
      fs.rmSync(finalDir, { recursive: true, force: true });
      fs.renameSync(stage, finalDir);
      textDest = path.join(finalDir, names[0]!);
      mmprojDest = path.join(finalDir, names[1]!);
    } catch (err) {
      fs.rmSync(stage, { recursive: true, force: true });
      throw err;
    }
  }

  try {
    rememberHash(d.db, textDest, textSha);
    rememberHash(d.db, mmprojDest, mmprojSha);
    const model = d.repo.insert({
      id,
      title,
      source: manifest ? 'converted' : 'imported',
      catalogId: null,
      storage: req.mode,
      fineTuned: null,
      name: pair.text.name,
      quantization: quant,
      parameterCount: pair.text.parameterCount,
      imageSize: pair.mmproj.imageSize,
      embeddingLength: pair.text.embeddingLength,
      text: { path: textDest, fileName: path.basename(textDest), sizeBytes: pair.text.sizeBytes, sha256: textSha },
      mmproj: { path: mmprojDest, fileName: path.basename(mmprojDest), sizeBytes: pair.mmproj.sizeBytes, sha256: mmprojSha },
      addedAt: new Date().toISOString(),
    });
    if (req.mode === 'reference') notes.push('The files are used where they are: moving or deleting them breaks this model.');
    return { model, notes };
  } catch (err) {
    if (finalDir) fs.rmSync(finalDir, { recursive: true, force: true });
    throw err;
  }
}
