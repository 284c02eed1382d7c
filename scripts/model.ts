// `npm run model -- <command>`: the model manager from a terminal.
//   inspect FILE [MMPROJ] [--json]   a GGUF's metadata; with two files, whether they belong together
//   list [--data DIR] [--json]       the installed models of a library
//   import (--folder DIR | --model FILE --mmproj FILE) [--mode copy|hardlink|reference] [--title T] [--data DIR]
// Exit codes: 0 fine, 1 the file or library is not usable (with the reason), 2 wrong arguments.
import fs from 'node:fs';
import path from 'node:path';
import { WorkstationError } from '../electron/api/errors';
import { StorageMode } from '../electron/api/schemas';
import { openDatabase } from '../electron/core/db/connection';
import { formatBytes } from '../electron/core/models/disk-space';
import { createFileHashCache } from '../electron/core/models/file-hash';
import type { GgufSummary } from '../electron/inference/gguf/inspect';
import { createModelsRepo } from '../electron/core/models/models-repo';
import { defaultDataDir } from '../electron/core/paths';
import { createSettingsRepo } from '../electron/core/settings/settings-repo';
import { parseCommandLine, UsageError } from './lib/cli';

// inspect.ts loads node-llama-cpp (seconds): only the commands that read GGUF headers import it.
const gguf = () => import('../electron/inference/gguf/inspect');
const importer = () => import('../electron/core/models/import');
const quantLabel = (q: string | null) => (q ? q.replace(/^(MOSTLY|ALL)_/, '') : null);

const USAGE = `Usage:
  npm run model -- inspect FILE.gguf [MMPROJ.gguf] [--json]
  npm run model -- list [--data DIR] [--json]
  npm run model -- import (--folder DIR | --model FILE.gguf --mmproj MMPROJ.gguf) [--mode copy|hardlink|reference] [--title TITLE] [--data DIR]`;

function describe(s: GgufSummary): string[] {
  const lines = [
    `${s.fileName}`,
    `  role:          ${s.role === 'text' ? 'text model' : s.role === 'mmproj' ? 'vision projector (mmproj)' : 'not a Gemma 3 model file'}`,
    `  architecture:  ${s.architecture}${s.projector ? ` (projector ${s.projector})` : ''}`,
    `  name:          ${s.name ?? '-'}`,
    `  quantization:  ${quantLabel(s.quantization) ?? '-'}`,
    `  parameters:    ${s.parameterCount.toLocaleString('en')} in ${s.tensorCount} tensors`,
    `  size:          ${formatBytes(s.sizeBytes)} (${s.sizeBytes.toLocaleString('en')} bytes)`,
  ];
  if (s.role === 'mmproj') lines.push(`  image size:    ${s.imageSize ?? '-'} px`, `  projects to:   ${s.embeddingLength ?? '-'} dims`);
  else lines.push(`  embedding:     ${s.embeddingLength ?? '-'} dims`, `  context:       ${s.contextLength ?? '-'} tokens`);
  return lines;
}

/** Usable on its own: a gemma3 text model or a gemma3 mmproj. */
function usability(s: GgufSummary): string | null {
  if (s.role === 'text') return null;
  if (s.role === 'mmproj') return s.projector === 'gemma3' ? null : `${s.fileName} is a "${s.projector ?? 'unknown'}" projector; a Gemma 3 model needs the gemma3 projector.`;
  return `${s.fileName} is a "${s.architecture}" model, neither a Gemma 3 (gemma3) text model nor a gemma3 vision projector (mmproj). The workstation cannot use it.`;
}

async function inspect(args: string[]) {
  const { values, positionals } = parseCommandLine({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('inspect takes one file, or a text model and its mmproj.');
  const files = positionals.map((p) => path.resolve(p));
  const { checkModelPair, inspectGguf } = await gguf();
  if (files.length === 2) {
    const pair = await checkModelPair(files[0]!, files[1]!);
    if (values.json) console.log(JSON.stringify({ ...pair, pairOk: true }, null, 2));
    else console.log([...describe(pair.text), ...describe(pair.mmproj), 'These two files belong together: a usable Gemma 3 model with its vision projector.'].join('\n'));
    return 0;
  }
  const s = await inspectGguf(files[0]!);
  const why = usability(s);
  if (values.json) console.log(JSON.stringify({ ...s, usable: why === null, problem: why }, null, 2));
  else console.log(describe(s).join('\n'));
  if (why) {
    console.error(why);
    return 1;
  }
  return 0;
}

function openLibrary(dataArg: string | undefined, mustExist: boolean) {
  const dataDir = path.resolve(dataArg ?? defaultDataDir());
  const file = path.join(dataDir, 'library.sqlite'); // = libraryFile() of app-services, which would load everything
  if (mustExist && !fs.existsSync(file)) return { dataDir, db: null };
  return { dataDir, db: openDatabase(file, { backupDir: path.join(dataDir, 'backups') }) };
}

function list(args: string[]) {
  const { values } = parseCommandLine({ args, options: { data: { type: 'string' }, json: { type: 'boolean' } } });
  const { dataDir, db } = openLibrary(values.data, true);
  if (!db) {
    if (values.json) console.log('[]');
    else console.log(`No models installed (there is no library in ${dataDir} yet).`);
    return 0;
  }
  try {
    const settings = createSettingsRepo(db).get();
    const models = createModelsRepo(db)
      .list()
      .map((m) => ({ ...m, active: settings.modelPath === m.text.path && settings.mmprojPath === m.mmproj.path }));
    if (values.json) {
      console.log(JSON.stringify(models, null, 2));
      return 0;
    }
    if (models.length === 0) {
      console.log(`No models installed in ${dataDir}.`);
      return 0;
    }
    for (const m of models) {
      const missing = [m.text.path, m.mmproj.path].filter((f) => !fs.existsSync(f));
      console.log(`${m.active ? '* ' : '  '}${m.id}  ${m.title}`);
      console.log(
        `    ${m.quantization ?? '?'}, ${formatBytes(m.text.sizeBytes + m.mmproj.sizeBytes)}, ${m.source}${m.catalogId ? ` (${m.catalogId})` : ''}, ${m.storage}, sha256 ${m.text.sha256.slice(0, 12)}`,
      );
      console.log(`    ${m.text.path}\n    ${m.mmproj.path}`);
      if (missing.length) console.log(`    MISSING: ${missing.join(', ')}`);
    }
    console.log(`(* = active; library ${dataDir})`);
    return 0;
  } finally {
    db.close();
  }
}

async function importCmd(args: string[]) {
  const { values } = parseCommandLine({
    args,
    options: { folder: { type: 'string' }, model: { type: 'string' }, mmproj: { type: 'string' }, mode: { type: 'string' }, title: { type: 'string' }, data: { type: 'string' } },
  });
  const mode = StorageMode.safeParse(values.mode ?? 'copy');
  if (!mode.success) throw new UsageError(`--mode must be one of ${StorageMode.options.join(', ')}.`);
  if (!values.folder && !(values.model && values.mmproj)) throw new UsageError('import needs --folder DIR, or --model FILE and --mmproj FILE.');
  if (values.folder && (values.model || values.mmproj)) throw new UsageError('Give --folder, or --model and --mmproj, not both.');
  const { dataDir, db } = openLibrary(values.data, false);
  const { importModel } = await importer();
  try {
    const r = await importModel(
      { folder: values.folder, modelPath: values.model, mmprojPath: values.mmproj, mode: mode.data, title: values.title },
      { db: db!, repo: createModelsRepo(db!), modelsRoot: path.join(dataDir, 'models'), hash: (f) => createFileHashCache(db!).hash(f) },
    );
    for (const n of r.notes) console.log(n);
    console.log(`Installed ${r.model.title} as ${r.model.id} (${r.model.storage}) in ${dataDir}. Activate it in the workstation's Models view.`);
    return 0;
  } finally {
    db!.close();
  }
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    switch (command) {
      case 'inspect':
        return await inspect(rest);
      case 'list':
        return list(rest);
      case 'import':
        return await importCmd(rest);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof WorkstationError) {
      console.error(err.message);
      return 1;
    }
    console.error(`Unexpected error: ${(err as Error).message}`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
