// Suggested tags: the Cataract-1K phases, instruments and anatomy that the model's text mentions, with the
// words that matched. Suggestions only; the reviewer decides.
import taxonomy from '../../../resources/taxonomy/cataract-1k.json';
import type { SuggestedTag } from '../../api/schemas';

interface Term {
  id: string;
  label: string;
  synonyms: string[];
}
type Kind = SuggestedTag['kind'];

const GROUPS: Array<[Kind, Term[]]> = [
  ['phase', taxonomy.phases],
  ['instrument', taxonomy.instruments],
  ['anatomy', taxonomy.anatomy],
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Word boundaries that also work around "/" and "-" inside terms such as "i/a" and "irrigation-aspiration".
function pattern(synonym: string): RegExp {
  const body = escape(synonym.toLowerCase()).replace(/\\-|\s+/g, '[\\s-]+');
  return new RegExp(`(?<![a-z0-9/])${body}(?![a-z0-9/])`, 'g');
}

const COMPILED = GROUPS.map(([kind, terms]) => ({
  kind,
  terms: terms.map((t) => ({ ...t, patterns: t.synonyms.map((s) => ({ synonym: s, re: pattern(s) })) })),
}));

export function suggestTags(text: string): SuggestedTag[] {
  const lower = text.toLowerCase();
  const out: SuggestedTag[] = [];
  for (const group of COMPILED) {
    for (const term of group.terms) {
      const matched = new Set<string>();
      for (const { re } of term.patterns) {
        re.lastIndex = 0;
        for (const m of lower.matchAll(re)) matched.add(m[0].replace(/\s+/g, ' '));
      }
      if (matched.size) out.push({ kind: group.kind, id: term.id, label: term.label, matched: [...matched] });
    }
  }
  return out;
}

export function taxonomyTerms(): typeof taxonomy {
  return taxonomy;
}
