// The inspector beside the viewer: tabs for the analysis of the frame (and the phase timeline's controls), the
// annotations and frames, tags, notes and the history. Its panel scrolls on its own; the page never does.
// Alt+1…6 switch tabs; the tab is remembered.
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { ReviewNotes } from '../annotate/ReviewNotes';
import { useAnnotate } from '../annotate/annotate-context';
import { INSPECTOR_TABS, useReviewStore, useStore, type InspectorTab } from '../workspace/review-store';
import { tip } from '../workspace/shortcuts';
import { HistoryPanel } from './HistoryPanel';
import { TagsPanel } from './TagsPanel';
import { AssessmentPanel } from '../../assessment/AssessmentPanel';
import { TeachingGate } from '../../teaching/TeachingGate';

interface Props {
  pts: number[];
  analysis: ReactNode;
  annotations: ReactNode;
}

export function Inspector({ pts, analysis, annotations }: Props) {
  const store = useStore();
  const tab = useReviewStore((s) => s.tab);
  const tags = useReviewStore((s) => s.tags);
  const notes = useReviewStore((s) => s.notes);
  const a = useAnnotate();
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  useEffect(() => {
    try {
      window.localStorage.setItem('workstation.inspectorTab', tab);
    } catch {
      /* remembered for this window only */
    }
    // A narrow inspector scrolls its tab strip (only the strip: nothing else may scroll) to show the chosen tab.
    const el = tabs.current[INSPECTOR_TABS.findIndex((t) => t.id === tab)];
    const strip = el?.parentElement;
    if (el && strip) {
      const e = el.getBoundingClientRect();
      const s = strip.getBoundingClientRect();
      if (e.left < s.left) strip.scrollLeft -= s.left - e.left;
      else if (e.right > s.right) strip.scrollLeft += e.right - s.right;
    }
  }, [tab]);

  // Alt+1…6 from anywhere in the review (not while typing).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || document.querySelector('dialog[open]')) return;
      const i = Number(e.code.replace('Digit', '')) - 1;
      const t = INSPECTOR_TABS[i];
      if (!t) return;
      e.preventDefault();
      store.setTab(t.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const counts: Partial<Record<InspectorTab, number>> = {
    annotations: a ? a.session.forFrame(a.frame?.id ?? null).length : 0,
    tags: tags.length,
    notes: notes.length,
  };
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    e.stopPropagation();
    const next = (i + (e.key === 'ArrowRight' ? 1 : INSPECTOR_TABS.length - 1)) % INSPECTOR_TABS.length;
    store.setTab(INSPECTOR_TABS[next]!.id);
    tabs.current[next]?.focus();
  };

  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      <div className="inspector-tabs" role="tablist" aria-label="Inspector">
        {INSPECTOR_TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`inspector-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`inspector-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={`inspector-tab${tab === t.id ? ' is-active' : ''}`}
            title={tip('tabs', t.label).replace('1…6', String(i + 1))}
            data-testid={`tab-${t.id}`}
            onClick={() => store.setTab(t.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
            {counts[t.id] ? <span className="tab-count">{counts[t.id]}</span> : null}
          </button>
        ))}
      </div>
      {INSPECTOR_TABS.map((t) => (
        <div key={t.id} role="tabpanel" id={`inspector-panel-${t.id}`} aria-labelledby={`inspector-tab-${t.id}`} className="inspector-panel" hidden={tab !== t.id} data-testid={`panel-${t.id}`}>
          {t.id === 'analysis' && <TeachingGate>{analysis}</TeachingGate>}
          {t.id === 'annotations' && annotations}
          {t.id === 'tags' && <TagsPanel active={tab === 'tags'} pts={pts} />}
          {t.id === 'notes' && <ReviewNotes />}
          {t.id === 'history' && <HistoryPanel active={tab === 'history'} />}
          {t.id === 'assessment' && <AssessmentPanel active={tab === 'assessment'} pts={pts} />}
        </div>
      ))}
    </aside>
  );
}
