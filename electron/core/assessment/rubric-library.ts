// Rubric templates: those shipped with the app (resources/rubrics/) and those a department imported into the library
// (table rubrics). A shipped template is copied into the library the first time an assessment uses it, so every
// assessment can be read with the template it was scored on, wherever the library goes.
import type { Database } from 'better-sqlite3';
import { WorkstationError } from '../../api/errors';
import { RubricTemplate, type RubricEntry } from '../../api/schemas-assessment';
import icoOscarPhaco from '../../../resources/rubrics/ico-oscar-phaco.json';
import type { AuditLog } from '../audit/audit-log';

/** The templates shipped with the app; the first is the default. */
export const BUILTIN_RUBRICS: readonly RubricTemplate[] = [RubricTemplate.parse(icoOscarPhaco)];
export const DEFAULT_RUBRIC = BUILTIN_RUBRICS[0]!;

interface RubricRow {
  id: number;
  rubric_id: string;
  version: number;
  name: string;
  template_json: string;
  source: 'builtin' | 'library';
  imported_at: string;
  imported_by: string;
}

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

export function createRubricLibrary(db: Database, deps: { audit: AuditLog; now?: () => string }) {
  const now = deps.now ?? (() => new Date().toISOString());
  const all = db.prepare<[], RubricRow>('SELECT * FROM rubrics ORDER BY name COLLATE NOCASE, rubric_id, version DESC');
  const one = db.prepare<[string, number], RubricRow>('SELECT * FROM rubrics WHERE rubric_id = ? AND version = ?');
  const insert = db.prepare<[string, number, string, string, string, string, string]>(
    'INSERT INTO rubrics (rubric_id, version, name, template_json, source, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const parseRow = (r: RubricRow): RubricTemplate => RubricTemplate.parse(JSON.parse(r.template_json));
  const builtin = (id: string, version: number) => BUILTIN_RUBRICS.find((t) => t.id === id && t.version === version) ?? null;

  function list(): RubricEntry[] {
    const stored = all.all();
    const entries: RubricEntry[] = stored.map((r) => ({ template: parseRow(r), source: r.source, importedAt: r.source === 'library' ? r.imported_at : null, importedBy: r.source === 'library' ? r.imported_by : null }));
    for (const t of BUILTIN_RUBRICS) {
      if (!stored.some((r) => r.rubric_id === t.id && r.version === t.version)) entries.push({ template: t, source: 'builtin', importedAt: null, importedBy: null });
    }
    return entries.sort((a, b) => (a.source === b.source ? 0 : a.source === 'builtin' ? -1 : 1) || a.template.name.localeCompare(b.template.name) || b.template.version - a.template.version);
  }

  /** A template by id and version: the library's copy, or the shipped one. */
  function get(id: string, version: number): RubricTemplate {
    const row = one.get(id, version);
    if (row) return parseRow(row);
    const t = builtin(id, version);
    if (!t) throw new WorkstationError('not-found', `There is no rubric template "${id}" version ${version} in this library. Import it first.`);
    return t;
  }

  /** Makes sure the library holds a copy of the template (call inside the assessment's transaction). */
  function ensureStored(id: string, version: number, actor: string): RubricTemplate {
    const row = one.get(id, version);
    if (row) return parseRow(row);
    const t = get(id, version);
    insert.run(t.id, t.version, t.name, JSON.stringify(t), 'builtin', now(), actor);
    return t;
  }

  /** Imports a department's template; the same template twice is a no-op, a changed one needs a new version. */
  function importText(text: string, fileName: string | undefined, actor: string): RubricEntry {
    const t = parseRubricText(text, fileName);
    return db
      .transaction((): RubricEntry => {
        const existing = one.get(t.id, t.version);
        const shipped = builtin(t.id, t.version);
        const same = existing ? canonical(parseRow(existing)) === canonical(t) : shipped ? canonical(shipped) === canonical(t) : false;
        if ((existing || shipped) && !same) {
          const next = Math.max(t.version, ...list().filter((e) => e.template.id === t.id).map((e) => e.template.version)) + 1;
          throw new WorkstationError(
            'conflict',
            `A different template "${t.id}" version ${t.version} is already ${existing ? 'in this library' : 'shipped with the app'}. Nothing was imported. Give the changed template "version": ${next} (or its own id) and import it again.`,
          );
        }
        if (existing) return { template: parseRow(existing), source: existing.source, importedAt: existing.imported_at, importedBy: existing.imported_by };
        if (shipped) return { template: shipped, source: 'builtin', importedAt: null, importedBy: null };
        const at = now();
        const id = Number(insert.run(t.id, t.version, t.name, JSON.stringify(t), 'library', at, actor).lastInsertRowid);
        deps.audit.record({ entity: 'rubric', entityId: id, reviewId: null, action: 'create', before: null, after: { rubricId: t.id, version: t.version, name: t.name, steps: t.steps.length, fileName: fileName ?? null }, actor, at });
        return { template: t, source: 'library', importedAt: at, importedBy: actor };
      })
      .immediate();
  }

  return { list, get, ensureStored, importText };
}
export type RubricLibrary = ReturnType<typeof createRubricLibrary>;
