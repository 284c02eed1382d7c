// What a search_docs row came from (migration 0005 writes the same codes).
import type { SearchHitKind } from '../../api/schemas-review';

export const SOURCE_CODES = { case: 1, note: 2, analysis: 3, annotation: 4, tag: 5, segment: 6, frame: 7 } as const satisfies Partial<Record<SearchHitKind, number>>;
export type SourceKind = keyof typeof SOURCE_CODES;

/** A follow-up question and its answer (migration 0007): found as an AI analysis (its analysis's id). */
export const TURN_SOURCE = 8;

const BY_CODE = new Map<number, SourceKind>([...Object.entries(SOURCE_CODES).map(([k, v]) => [v, k as SourceKind] as const), [TURN_SOURCE, 'analysis']]);

export function sourceKind(code: number): SourceKind | null {
  return BY_CODE.get(code) ?? null;
}
