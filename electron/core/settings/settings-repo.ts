// Settings: one row per key, values as JSON, validated against the contract on the way out.
import type { Database } from 'better-sqlite3';
import { DEFAULT_SETTINGS, Settings } from '../../api/schemas';

export function createSettingsRepo(db: Database) {
  function get(): Settings {
    const rows = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings').all();
    const stored: Record<string, unknown> = {};
    for (const r of rows) {
      try {
        stored[r.key] = JSON.parse(r.value);
      } catch {
        // An unreadable value falls back to its default below.
      }
    }
    const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_SETTINGS)) {
      if (key in stored) {
        const one = (Settings.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key]!;
        if (one.safeParse(stored[key]).success) merged[key] = stored[key];
      }
    }
    return Settings.parse(merged);
  }
  return {
    get,
    update(patch: Partial<Settings>): Settings {
      const upsert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
      db.transaction(() => {
        for (const [k, v] of Object.entries(patch)) if (v !== undefined) upsert.run(k, JSON.stringify(v));
      })();
      return get();
    },
  };
}
export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
