// The department link as this window knows it, one copy for the whole window: read once when the app starts
// (loadDepartmentLink, from App), then kept current by 'department.link' events (sign-in, sign-out, a session the
// server ended). Settings and the review screen's Publish button read it without asking again. null until the
// first answer.
import { useSyncExternalStore } from 'react';
import type { DepartmentLink } from '../../../electron/api/schemas-department';
import { api } from '../api';

let current: DepartmentLink | null = null;
let started = false;
const listeners = new Set<() => void>();

function set(next: DepartmentLink): void {
  current = next;
  listeners.forEach((l) => l());
}

/** Starts following the link (once per window; later calls do nothing). */
export function loadDepartmentLink(): void {
  if (started) return;
  started = true;
  api.on('department.link', set);
  api.department.status({}).then(
    (l) => current === null && set(l),
    () => current === null && set({ remembered: null, connection: null }),
  );
}

function subscribe(listener: () => void): () => void {
  loadDepartmentLink();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useDepartmentLink(): DepartmentLink | null {
  return useSyncExternalStore(subscribe, () => current);
}
