// The model catalog (resources/models.json): what can be downloaded, and how to get what cannot.
// Checked against the contract's schema when read, so a bad edit fails loudly instead of half-working.
import catalogJson from '../../../resources/models.json';
import { formatIssues } from '../../api/dispatch';
import { ModelCatalog, type CatalogEntry } from '../../api/schemas';

export function parseCatalog(raw: unknown, where = 'resources/models.json'): ModelCatalog {
  const r = ModelCatalog.safeParse(raw);
  if (!r.success) throw new Error(`The model catalog ${where} is not valid: ${formatIssues(r.error).join('; ')}`);
  const ids = new Set<string>();
  for (const e of r.data.entries) {
    if (ids.has(e.id)) throw new Error(`The model catalog ${where} lists "${e.id}" twice.`);
    ids.add(e.id);
    if (e.files.length > 0) {
      const roles = e.files.map((f) => f.role).sort();
      if (roles.join(',') !== 'mmproj,text') throw new Error(`Catalog entry "${e.id}" must list exactly one text file and one mmproj file.`);
    } else if (e.howToGet.length === 0) {
      throw new Error(`Catalog entry "${e.id}" has no files and does not say how to get the model.`);
    }
  }
  return r.data;
}

let bundled: ModelCatalog | null = null;

/** The catalog shipped with the app. */
export function bundledCatalog(): ModelCatalog {
  bundled ??= parseCatalog(catalogJson);
  return bundled;
}

export function findEntry(catalog: ModelCatalog, id: string): CatalogEntry | undefined {
  return catalog.entries.find((e) => e.id === id);
}
