// One Cataract-1K phase per timeline sample, from the model. Two ways, both here as pure functions:
//  - matcher: the taxonomy matcher (suggestTags, the same words the suggested tags show) on the analysis' thinking
//    and answer, each mention weighed by its context: "this is the capsulorhexis phase" counts more, "after the
//    incision" / "next, hydrodissection" / "through the main incision" (a place, not the step) less, and a mention
//    inside a longer one ("viscoelastic" in "viscoelastic removal") not at all. An instrument that belongs to one
//    phase (cystotome → capsulorhexis; resources/taxonomy/instrument-phase-hints.json) adds a little. The phase with
//    the most weight wins (none when even the best is only mentioned in passing); confidence is its share.
//  - follow-up: a second short question that lists the phase ids and asks for exactly one; the reply is matched
//    against the list (the engines have no grammar or JSON-schema constraint today).
import hints from '../../../resources/taxonomy/instrument-phase-hints.json';
import { suggestTags, taxonomyTerms } from '../analysis/suggest-tags';

export interface PhaseResult {
  phase: string | null;
  confidence: number | null;
  /** The words that matched for the chosen phase, or the follow-up's reply (shortened). */
  matched: string[];
}

export const PHASES: ReadonlyArray<{ id: string; label: string }> = taxonomyTerms().phases.map((p) => ({ id: p.id, label: p.label }));

/** Below this the best phase was only mentioned in passing (as a place, or as what came before or comes next). */
const MIN_WEIGHT = 0.5;

const HINTS: Record<string, string | undefined> = hints.hints;

interface Mention {
  phase: string;
  /** An instrument's hint rather than a phase named. */
  hint: boolean;
  word: string;
  start: number;
  end: number;
  weight: number;
  /** Order of the text part (thinking before answer) then position: the first mention breaks ties. */
  order: number;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Word boundaries as the matcher draws them (letters, digits and "/" join words; spaces and hyphens are alike).
function wordPattern(word: string): RegExp {
  const body = escape(word.toLowerCase()).replace(/\\-|\s+|-/g, '[\\s-]+');
  return new RegExp(`(?<![a-z0-9/])${body}(?![a-z0-9/])`, 'g');
}

// Context before a mention (same sentence) that says the step is not the one on screen, or that it is.
// (within the clause: "After the incision, the capsulorhexis…" discounts the incision only).
const ELSEWHEN = /\b(?:after|before|next|then|previous|previously|prior to|following|once|later|subsequent|subsequently|already|completed|finished|done with|proceed to|prepare for|preparing for|followed by|will)\b(?:,\s*)?[^.;:!?\n,]*$/;
// A phase's product named as a place ("through the main incision", "under the rhexis edge") is not that phase.
const PLACE = /\b(?:through|via|at|into|inside|under|from|near|beside|of)\s+(?:the\s+|a\s+|its\s+)?(?:[a-z0-9/-]+\s+)?$/;
const NOW_BEFORE = /\b(?:during|currently|current|ongoing|in progress|performing|performs|perform|this is|is being|shows|showing|depicts|demonstrates|continue|continuing|complete the|completing)\b[^.;:!?\n]{0,30}$/;
const NOW_AFTER = /^[^.;:!?\n]{0,20}?\b(?:phase|stage|step|in progress|is being|is underway|is ongoing|is performed|being performed|is shown)\b/;

function mentionsIn(text: string, partOrder: number): Mention[] {
  const lower = text.toLowerCase();
  const out: Mention[] = [];
  for (const tag of suggestTags(text)) {
    const phase = tag.kind === 'phase' ? tag.id : tag.kind === 'instrument' ? HINTS[tag.id] : undefined;
    if (!phase) continue;
    const weight = tag.kind === 'phase' ? 1 : hints.weight;
    for (const word of tag.matched) {
      const re = wordPattern(word);
      for (const m of lower.matchAll(re)) {
        out.push({ phase, hint: tag.kind !== 'phase', word, start: m.index, end: m.index + m[0].length, weight, order: partOrder * 1e9 + m.index });
      }
    }
  }
  // A phase named inside a longer phase name is part of that one ("viscoelastic" in "aspirate the viscoelastic"); an
  // instrument that overlaps a phase name adds nothing to it ("phaco" in "phaco tip" counts as the phase).
  const overlaps = (a: Mention, b: Mention) => a.start < b.end && b.start < a.end;
  const inside = (a: Mention, b: Mention) => b.start <= a.start && b.end >= a.end && b.end - b.start > a.end - a.start;
  const kept = out.filter((a) =>
    a.hint
      ? !out.some((b) => !b.hint && overlaps(a, b))
      : !out.some((b) => b !== a && !b.hint && inside(a, b)),
  ).filter((a) => !a.hint || !out.some((b) => b !== a && b.hint && inside(a, b)));
  for (const m of kept) {
    const sentenceBefore = lower.slice(Math.max(0, m.start - 80), m.start);
    const after = lower.slice(m.end, m.end + 40);
    if (ELSEWHEN.test(sentenceBefore) || PLACE.test(sentenceBefore)) m.weight *= 0.3;
    else if (NOW_BEFORE.test(sentenceBefore) || NOW_AFTER.test(after)) m.weight *= 3;
  }
  return kept;
}

function decide(mentions: Mention[]): PhaseResult {
  if (mentions.length === 0) return { phase: null, confidence: null, matched: [] };
  const score = new Map<string, { weight: number; first: number; words: Set<string> }>();
  for (const m of mentions) {
    const s = score.get(m.phase) ?? { weight: 0, first: m.order, words: new Set<string>() };
    s.weight += m.weight;
    s.first = Math.min(s.first, m.order);
    s.words.add(m.word);
    score.set(m.phase, s);
  }
  const ranked = [...score.entries()].sort((a, b) => b[1].weight - a[1].weight || a[1].first - b[1].first);
  const total = ranked.reduce((n, [, s]) => n + s.weight, 0);
  const [phase, best] = ranked[0]!;
  if (best.weight < MIN_WEIGHT) return { phase: null, confidence: null, matched: [] };
  return { phase, confidence: Math.round((best.weight / total) * 1000) / 1000, matched: [...best.words] };
}

/** The matcher: the phase the analysis talks about (thinking first, then the answer), or null when it names none. */
export function phaseFromAnalysis(thinking: string | null, answer: string): PhaseResult {
  return decide([...mentionsIn(thinking ?? '', 0), ...mentionsIn(answer, 1)]);
}

/** Tokens the follow-up may use: "phacoemulsification" and an id or two of slack, never an essay. */
export const FOLLOWUP_MAX_TOKENS = 24;

/** The follow-up question: the phase list (numbered ids) and a request for exactly one id. */
export function followupPrompt(): string {
  const list = PHASES.map((p, i) => `${i + 1}. ${p.id}`).join('\n');
  return (
    'You are an expert ophthalmic surgeon reviewing a frame from a cataract surgery video. Which phase of the surgery does ' +
    `this frame show? Choose exactly one phase from this list:\n${list}\n\nReply with the phase id only (for example: capsulorhexis), nothing else.`
  );
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[*_`"'“”‘’]/g, '')
    .replace(/[\s-]+/g, ' ')
    .trim();
const BY_NAME = new Map<string, string>(PHASES.flatMap((p) => [[norm(p.id), p.id] as [string, string], [norm(p.label), p.id] as [string, string]]));

/**
 * The follow-up's reply matched to the list: an id or label on its own (confidence 1), a list number (1), or
 * else the matcher on the reply (half its share, since the model did not answer as asked).
 */
export function phaseFromFollowupReply(reply: string): PhaseResult {
  const shown = reply.trim().replace(/\s+/g, ' ').slice(0, 80);
  const firstLine = reply.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  const bare = norm(firstLine.replace(/^(?:final answer|answer|phase(?: id)?)\s*[:：-]\s*/i, '').replace(/[.!]+$/, ''));
  const direct = BY_NAME.get(bare);
  if (direct) return { phase: direct, confidence: 1, matched: [shown] };
  const num = /^(\d{1,2})(?:[.)]|\s|$)/.exec(bare);
  if (num) {
    const p = PHASES[Number(num[1]) - 1];
    if (p) return { phase: p.id, confidence: 1, matched: [shown] };
  }
  const r = decide(mentionsIn(reply, 0));
  if (!r.phase) return { phase: null, confidence: null, matched: shown ? [shown] : [] };
  return { phase: r.phase, confidence: Math.round((r.confidence ?? 0) * 500) / 1000, matched: [shown] };
}
