// The vocabularies a reviewer tags with: Cataract-1K phases, instruments and anatomy (cataract-1k.json), and
// findings, severity, phase colours and the annotation palette (review-vocabularies.json). Data, not code.
import { WorkstationError } from '../../api/errors';
import type { TagKind, Taxonomy, TaxonomyTerm } from '../../api/schemas-review';
import cataract1k from '../../../resources/taxonomy/cataract-1k.json';
import review from '../../../resources/taxonomy/review-vocabularies.json';

interface RawTerm {
  id: string;
  label: string;
  color?: string;
}

const phaseColors = review.phaseColors as Record<string, string>;
const terms = (list: RawTerm[], colors: Record<string, string> = {}): TaxonomyTerm[] =>
  list.map((t) => ({ id: t.id, label: t.label, color: t.color ?? colors[t.id] ?? null }));

export const TAXONOMY: Taxonomy = {
  phases: terms(cataract1k.phases, phaseColors),
  instruments: terms(cataract1k.instruments),
  anatomy: terms(cataract1k.anatomy),
  findings: terms(review.findings),
  severity: terms(review.severity),
  annotationColors: review.annotationColors,
};

const VOCABULARY: Record<Exclude<TagKind, 'free'>, TaxonomyTerm[]> = {
  phase: TAXONOMY.phases,
  instrument: TAXONOMY.instruments,
  anatomy: TAXONOMY.anatomy,
  finding: TAXONOMY.findings,
  severity: TAXONOMY.severity,
};

/** A vocabulary term by id or label (any case); null when the vocabulary has no such term. */
export function findTerm(kind: Exclude<TagKind, 'free'>, value: string): TaxonomyTerm | null {
  const v = value.trim().toLowerCase();
  return VOCABULARY[kind].find((t) => t.id === v || t.label.toLowerCase() === v) ?? null;
}

/** The stored value and display label of a tag; a vocabulary kind must name one of its terms. */
export function resolveTag(kind: TagKind, value: string): { value: string; label: string } {
  const text = value.trim();
  if (kind === 'free') return { value: text, label: text };
  const term = findTerm(kind, text);
  if (!term) {
    const known = VOCABULARY[kind].map((t) => t.id).join(', ');
    throw new WorkstationError('invalid-argument', `"${text}" is not in the ${kind} vocabulary (${known}). Use a free tag for anything else.`);
  }
  return { value: term.id, label: term.label };
}

/** A phase id must be a Cataract-1K phase. */
export function checkPhase(phase: string | null): string | null {
  if (phase === null) return null;
  const term = findTerm('phase', phase);
  if (!term) throw new WorkstationError('invalid-argument', `"${phase}" is not a Cataract-1K phase (${TAXONOMY.phases.map((p) => p.id).join(', ')}).`);
  return term.id;
}

export function phaseLabel(phase: string | null): string {
  return phase === null ? '' : (TAXONOMY.phases.find((p) => p.id === phase)?.label ?? phase);
}
