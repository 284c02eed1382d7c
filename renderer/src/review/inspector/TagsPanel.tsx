// The Tags tab: tags on the frame on screen, on a phase segment, or on the whole review. Add them by type-ahead from
// the Cataract-1K taxonomy and the review vocabularies, or as free tags; remove with ×. The model's suggestions for
// the frame whose analysis is shown are accepted in one click, or with 1–9 while this tab is open. Every tag is in
// the reports and found by the library search.
import { useEffect, useRef, useState } from 'react';
import type { Segment, Tag } from '../../../../electron/api/schemas-review';
import { formatTimecode, fromStart } from '../player/timeline';
import { useAnnotate } from '../annotate/annotate-context';
import { isTyping } from '../workspace/shortcuts';
import { useReviewStore, useStore } from '../workspace/review-store';
import { tagKindLabel, TagInput, type TagChoice } from './TagInput';
import { useSuggestions } from './use-suggestions';

type Scope = 'frame' | 'segment' | 'review';

export function TagsPanel({ active, pts }: { active: boolean; pts: readonly number[] }) {
  const a = useAnnotate();
  const store = useStore();
  const tags = useReviewStore((s) => s.tags);
  const frames = useReviewStore((s) => s.frames);
  const samples = useReviewStore((s) => s.samples);
  const panelFrameId = useReviewStore((s) => s.panelFrameId);
  const locked = useReviewStore((s) => s.review.status === 'final');
  const [scope, setScope] = useState<Scope>('frame');
  const suggestions = useSuggestions(panelFrameId, tags);
  const [busy, setBusy] = useState(false);

  const k = a?.frameIndex ?? 0;
  const segment: Segment | null = a ? (a.segments.list.find((s) => s.id === a.segments.selectedId) ?? a.segments.list.find((s) => s.startFrame <= k && k <= s.endFrame) ?? null) : null;
  const effective: Scope = scope === 'segment' && !segment ? 'frame' : scope;
  const frame = a?.frame ?? null;
  const shown = tags.filter((t) => (effective === 'frame' ? frame !== null && t.frameId === frame.id : effective === 'segment' ? t.segmentId === segment?.id : t.frameId === null && t.segmentId === null));
  const panelFrame = [...frames, ...samples].find((f) => f.id === panelFrameId) ?? null;

  const add = async (c: TagChoice) => {
    if (!a) return;
    setBusy(true);
    try {
      if (effective === 'frame') await store.addTag({ frameId: (await a.ensureFrame()).id }, c.kind, c.value);
      else if (effective === 'segment') await store.addTag({ segmentId: segment!.id }, c.kind, c.value);
      else await store.addTag({}, c.kind, c.value);
    } finally {
      setBusy(false);
    }
  };
  const accept = (i: number) => {
    const s = suggestions[i];
    if (!s || s.accepted || panelFrameId === null || locked) return;
    void store.addTag({ frameId: panelFrameId }, s.kind, s.id).catch((err: unknown) => a?.reportError(err));
  };
  const remove = (t: Tag) => void store.removeTag(t.id).catch((err: unknown) => a?.reportError(err));

  // 1–9 accept the numbered suggestion while this tab is open.
  const latest = useRef({ accept, active });
  latest.current = { accept, active };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!latest.current.active || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
      if (/^[1-9]$/.test(e.key)) {
        e.preventDefault();
        latest.current.accept(Number(e.key) - 1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!a) return null;
  const scopes: Array<[Scope, string, boolean]> = [
    ['frame', `Frame ${k}`, true],
    ['segment', segment ? `Segment: ${segment.label || a.labelText(segment.phase) || `${segment.startFrame}–${segment.endFrame}`}` : 'No segment here', segment !== null],
    ['review', 'Whole review', true],
  ];
  return (
    <section className="tags-panel" aria-label="Tags" data-testid="tags-panel">
      <div className="segmented" role="radiogroup" aria-label="Tag what">
        {scopes.map(([id, label, enabled]) => (
          <button
            key={id}
            type="button"
            role="radio"
            aria-checked={effective === id}
            disabled={!enabled}
            className={effective === id ? 'is-active' : ''}
            onClick={() => setScope(id)}
            title={label}
            data-testid={`tag-scope-${id}`}
          >
            <span className="segmented-text">{label}</span>
          </button>
        ))}
      </div>
      {locked ? (
        <p className="muted inspector-empty">This review is finalised and locked: reopen it to change its tags.</p>
      ) : (
        <TagInput taxonomy={a.taxonomy} disabled={busy} onAdd={add} placeholder={effective === 'frame' ? `Tag frame ${k}: type a phase, instrument, finding…` : effective === 'segment' ? 'Tag this segment…' : 'Tag the whole review…'} />
      )}
      <ul className="chips tag-chips" aria-label="Tags here" data-testid="tag-list">
        {shown.length === 0 && <li className="muted">No tags {effective === 'frame' ? `on frame ${k}${frame ? '' : ' (it is captured when you tag it)'}` : effective === 'segment' ? 'on this segment' : 'on the whole review'}.</li>}
        {shown.map((t) => (
          <li key={t.id} className={`chip chip-${t.kind}`} data-testid="tag-chip" data-kind={t.kind} data-value={t.value}>
            <span className="chip-kind">{tagKindLabel(t.kind)}</span>
            <span className="chip-label">{t.label}</span>
            {!locked && (
              <button type="button" className="chip-remove" onClick={() => remove(t)} aria-label={`Remove tag ${t.label}`} title="Remove this tag">
                ×
              </button>
            )}
          </li>
        ))}
      </ul>

      <section className="suggestions" aria-label="Suggested by the model" data-testid="tag-suggestions">
        <h4>
          Suggested by the model{panelFrame ? ` for frame ${panelFrame.frameIndex}` : ''} <span className="ai-chip" title="AI-generated, research use only, not for clinical decisions">AI</span>
        </h4>
        {suggestions.length === 0 ? (
          <p className="muted">{panelFrame ? 'No suggestions: the analysis of this frame names no Cataract-1K term (or it has not been analysed).' : 'Analyse a frame (A) to get suggestions from the words in its answer.'}</p>
        ) : (
          <ul className="chips">
            {suggestions.map((s, i) => (
              <li key={`${s.kind}:${s.id}`}>
                <button
                  type="button"
                  className={`chip chip-${s.kind} chip-accept${s.accepted ? ' is-accepted' : ''}`}
                  disabled={s.accepted || locked}
                  onClick={() => accept(i)}
                  title={s.accepted ? 'Already a tag of this frame' : `Accept: tag frame ${panelFrame?.frameIndex ?? ''} with ${s.label} (${i + 1}). Suggested because the text mentions: ${s.matched.join(', ')}`}
                  data-testid="suggested-tag-accept"
                  data-kind={s.kind}
                  data-value={s.id}
                  data-accepted={s.accepted ? 'true' : 'false'}
                >
                  {i < 9 && !s.accepted && <kbd>{i + 1}</kbd>}
                  {s.accepted && <span aria-hidden="true">✓</span>}
                  <span className="chip-kind">{tagKindLabel(s.kind)}</span>
                  <span className="chip-label">{s.label}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <AllTags tags={tags} pts={pts} />
    </section>
  );
}

/** Every tag in the review, by where it is. */
function AllTags({ tags, pts }: { tags: readonly Tag[]; pts: readonly number[] }) {
  const a = useAnnotate()!;
  const frames = useReviewStore((s) => s.frames);
  const samples = useReviewStore((s) => s.samples);
  if (!tags.length) return null;
  const indexOf = new Map([...frames, ...samples].map((f) => [f.id, f.frameIndex]));
  const where = (t: Tag) => {
    if (t.frameId !== null) {
      const k = indexOf.get(t.frameId);
      return k == null ? 'a frame' : `frame ${k} (${formatTimecode(fromStart(pts, pts[k] ?? 0))})`;
    }
    if (t.segmentId !== null) {
      const s = a.segments.list.find((x) => x.id === t.segmentId);
      return s ? `segment ${s.label || a.labelText(s.phase)}` : 'a segment';
    }
    return 'whole review';
  };
  return (
    <details className="all-tags">
      <summary>All tags in this review ({tags.length})</summary>
      <ul>
        {tags.map((t) => (
          <li key={t.id}>
            <span className={`chip-kind kind-${t.kind}`}>{tagKindLabel(t.kind)}</span> {t.label} <span className="muted">— {where(t)}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
