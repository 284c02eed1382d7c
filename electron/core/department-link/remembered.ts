// The department address, user name and certificate file last used, in the library's settings table under its own
// key (Settings itself does not carry it: it is the link's, and never holds a password).
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { Remembered, RememberedLink } from './department-link';

const KEY = 'departmentLink';
const Stored = z.object({ url: z.string().max(2000), username: z.string().max(200), caFile: z.string().max(4096).nullable() }).strict();

export function createRememberedLink(db: Database): RememberedLink {
  return {
    get(): Remembered | null {
      const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(KEY);
      if (!row) return null;
      try {
        const parsed = Stored.safeParse(JSON.parse(row.value));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
    set(value: Remembered): void {
      db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(KEY, JSON.stringify(Stored.parse(value)));
    },
  };
}
