// How the History tab names a teaching-mode change (turned on or off, a resident's response).
import type { AuditEntry } from '../../../electron/api/schemas-review';

const get = (v: unknown, key: string): string => (v && typeof v === 'object' && key in v ? String((v as Record<string, unknown>)[key] ?? '') : '');

export function describeTeaching(e: AuditEntry): { title: string; detail: string | null } {
  if (e.entity === 'teaching') return { title: `Teaching mode turned ${e.action === 'delete' ? 'off' : 'on'}`, detail: null };
  const after = e.after ?? e.before;
  const where = get(after, 'frameId') ? 'a frame' : 'a segment';
  const seen = get(after, 'seen');
  return { title: `Resident’s response ${e.action === 'create' ? 'written' : 'changed'} on ${where}`, detail: seen.length > 120 ? `${seen.slice(0, 119)}…` : seen || null };
}
