// Rubric templates: those shipped with the app (resources/rubrics/) and those a department imported into the library
// (table rubrics), on the workstation's library (SQLite or PostgreSQL). A shipped template is copied into the library
// the first time an assessment uses it (in the assessment's transaction), so every assessment can be read with the
// template it was scored on, wherever the library goes. An import is one transaction with its audit row (a rubric
// belongs to no review).
import type { Generated, Kysely, Selectable } from 'kysely';
import { WorkstationError } from '../../api/errors';
import { RubricTemplate, type RubricEntry } from '../../api/schemas-assessment';
import icoOscarPhaco from '../../../resources/rubrics/ico-oscar-phaco.json';
import { appendAudit } from '../audit/audit-store';
import type { WorkstationDb } from '../db/workstation-db';

/** The templates shipped with the app; the first is the default. */
export const BUILTIN_RUBRICS: readonly RubricTemplate[] = [RubricTemplate.parse(icoOscarPhaco)];
export const DEFAULT_RUBRIC = BUILTIN_RUBRICS[0]!;

export interface RubricsTable {
  id: Generated<number>;
  rubric_id: string;
  version: number;
  name: string;
  template_json: string;
  source: 'builtin' | 'library';
  imported_at: string;
  imported_by: string;
}

export interface RubricsDb {
  rubrics: RubricsTable;
}

type RubricRow = Selectable<RubricsTable>;

/** The same template, whatever the key order or whitespace of its file. */
const canonical = (t: RubricTemplate): string => JSON.stringify(RubricTemplate.parse(t), (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/** Where in the file a problem is, in words: "steps → 3 → id". */
const where = (path: readonly PropertyKey[]) => (path.length ? path.map((p) => (typeof p === 'number' ? String(p + 1) : String(p))).join(' → ') : 'the file');

/** Checks a template file's text; a clear, actionable message for anything wrong. */
export function parseRubricText(text: string, fileName?: string): RubricTemplate {
  const name = fileName ? `"${fileName}"` : 'The file';
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new WorkstationError('unsupported-input', `${name} is not a JSON file (${(err as Error).message}). Export the template as JSON and import it again.`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WorkstationError('unsupported-input', `${name} is not a rubric template: it must be one JSON object with id, name, version, scale and steps.`);
  }
  const result = RubricTemplate.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues.slice(0, 8).map((i) => `${where(i.path)}: ${i.message}`);
    throw new WorkstationError('invalid-argument', `${name} is not a valid rubric template; nothing was imported. ${details.join('; ')}.`, details);
  }
  return result.data;
}

const parseRow = (r: RubricRow): RubricTemplate => RubricTemplate.parse(JSON.parse(r.template_json));
const builtin = (id: string, version: number) => BUILTIN_RUBRICS.find((t) => t.id === id && t.version === version) ?? null;

/** SQLite's `name COLLATE NOCASE, rubric_id, version DESC` (ASCII letters folded, then code units), alike on both. */
const folded = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const storedOrder = (a: RubricRow, b: RubricRow) => byCodeUnits(folded(a.name), folded(b.name)) || byCodeUnits(a.rubric_id, b.rubric_id) || b.version - a.version;

export interface RubricsStore {
  /** Every template: the shipped ones first, then by name and newest version first. */
  list(): Promise<RubricEntry[]>;
  /** A template by id and version: the library's copy, or the shipped one (`from`: a transaction to read in). */
  get(id: string, version: number, from?: Kysely<WorkstationDb>): Promise<RubricTemplate>;
  /** Makes sure the library holds a copy of the template (call inside the assessment's transaction). */
  ensureStored(trx: Kysely<WorkstationDb>, id: string, version: number, actor: string): Promise<RubricTemplate>;
  /** Imports a department's template; the same template twice is a no-op, a changed one needs a new version. */
  importText(text: string, fileName: string | undefined, actor: string): Promise<RubricEntry>;
}

export function createRubricsStore(db: Kysely<WorkstationDb>, now: () => string = () => new Date().toISOString()): RubricsStore {
  const one = (from: Kysely<WorkstationDb>, id: string, version: number) => from.selectFrom('rubrics').selectAll().where('rubric_id', '=', id).where('version', '=', version).executeTakeFirst();

  async function list(from: Kysely<WorkstationDb> = db): Promise<RubricEntry[]> {
    const stored = (await from.selectFrom('rubrics').selectAll().execute()).sort(storedOrder);
    const entries: RubricEntry[] = stored.map((r) => ({ template: parseRow(r), source: r.source, importedAt: r.source === 'library' ? r.imported_at : null, importedBy: r.source === 'library' ? r.imported_by : null }));
    for (const t of BUILTIN_RUBRICS) {
      if (!stored.some((r) => r.rubric_id === t.id && r.version === t.version)) entries.push({ template: t, source: 'builtin', importedAt: null, importedBy: null });
    }
    return entries.sort((a, b) => (a.source === b.source ? 0 : a.source === 'builtin' ? -1 : 1) || a.template.name.localeCompare(b.template.name) || b.template.version - a.template.version);
  }

  async function get(id: string, version: number, from: Kysely<WorkstationDb> = db): Promise<RubricTemplate> {
    const row = await one(from, id, version);
    if (row) return parseRow(row);
    const t = builtin(id, version);
    if (!t) throw new WorkstationError('not-found', `There is no rubric template "${id}" version ${version} in this library. Import it first.`);
    return t;
  }

  return {
    list: () => list(),
    get,
    async ensureStored(trx, id, version, actor) {
      const row = await one(trx, id, version);
      if (row) return parseRow(row);
      const t = await get(id, version, trx);
      await trx.insertInto('rubrics').values({ rubric_id: t.id, version: t.version, name: t.name, template_json: JSON.stringify(t), source: 'builtin', imported_at: now(), imported_by: actor }).execute();
      return t;
    },
    // async: a file that is not a template rejects like the rest, before the transaction starts.
    async importText(text, fileName, actor) {
      const t = parseRubricText(text, fileName);
      return db.transaction().execute(async (trx): Promise<RubricEntry> => {
        const existing = await one(trx, t.id, t.version);
        const shipped = builtin(t.id, t.version);
        const same = existing ? canonical(parseRow(existing)) === canonical(t) : shipped ? canonical(shipped) === canonical(t) : false;
        if ((existing || shipped) && !same) {
          const next = Math.max(t.version, ...(await list(trx)).filter((e) => e.template.id === t.id).map((e) => e.template.version)) + 1;
          throw new WorkstationError(
            'conflict',
            `A different template "${t.id}" version ${t.version} is already ${existing ? 'in this library' : 'shipped with the app'}. Nothing was imported. Give the changed template "version": ${next} (or its own id) and import it again.`,
          );
        }
        if (existing) return { template: parseRow(existing), source: existing.source, importedAt: existing.imported_at, importedBy: existing.imported_by };
        if (shipped) return { template: shipped, source: 'builtin', importedAt: null, importedBy: null };
        const at = now();
        const row = await trx
          .insertInto('rubrics')
          .values({ rubric_id: t.id, version: t.version, name: t.name, template_json: JSON.stringify(t), source: 'library', imported_at: at, imported_by: actor })
          .returning('id')
          .executeTakeFirstOrThrow();
        await appendAudit(trx, { entity: 'rubric', entityId: row.id, reviewId: null, action: 'create', before: null, after: { rubricId: t.id, version: t.version, name: t.name, steps: t.steps.length, fileName: fileName ?? null }, actor, at });
        return { template: t, source: 'library', importedAt: at, importedBy: actor };
      });
    },
  };
}
