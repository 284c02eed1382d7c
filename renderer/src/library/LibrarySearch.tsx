// The library's search and "Recent reviews": full-text search over notes, AI answers, labels, tags and case codes,
// with filters (phase, instrument, status, surgery date) and sort. A hit opens its review at its frame (or its
// case); a recent review opens where the reviewer left off.
import { useEffect, useMemo, useState } from 'react';
import type { ReviewSummary, SearchHit, SearchQuery, SearchResult } from '../../../electron/api/schemas-review';
import { api } from '../api';
import { useOpenReview } from '../app/navigation';
import { useTaxonomy } from '../review/annotate/annotate-context';
import { formatTimecode } from '../review/player/timeline';
import { formatDateTime } from '../ui/format';
import { useNotify } from '../ui/notify';

type Filters = NonNullable<SearchQuery['filters']>;

const KIND_LABEL: Record<SearchHit['kind'], string> = {
  case: 'Case',
  review: 'Review',
  frame: 'Image',
  note: 'Note',
  analysis: 'AI answer',
  annotation: 'Annotation',
  tag: 'Tag',
  segment: 'Segment',
};

function Highlighted({ text, ranges }: { text: string; ranges: Array<[number, number]> }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  ranges.forEach(([a, b], i) => {
    if (a > at) parts.push(text.slice(at, a));
    parts.push(<mark key={i}>{text.slice(a, b)}</mark>);
    at = b;
  });
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

export function LibrarySearch({ onOpenCase }: { onOpenCase: (caseId: number, frameId: number | null) => void }) {
  const notify = useNotify();
  const openReview = useOpenReview();
  const taxonomy = useTaxonomy();
  const [text, setText] = useState('');
  const [filters, setFilters] = useState<Filters>({});
  const [sort, setSort] = useState<NonNullable<SearchQuery['sort']>>('relevance');
  const [result, setResult] = useState<SearchResult | null>(null);
  const [recent, setRecent] = useState<ReviewSummary[] | null>(null);
  const active = text.trim() !== '' || Object.values(filters).some((v) => v !== undefined && v !== '');

  useEffect(() => {
    api.reviews
      .recent({ limit: 10 })
      .then(setRecent)
      .catch((err: unknown) => notify.error(err, 'Could not list the recent reviews.'));
  }, [notify]);

  const query = useMemo<SearchQuery>(() => {
    const f: Filters = {};
    for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== '') (f as Record<string, unknown>)[k] = v;
    return { text: text.trim(), filters: f, sort, limit: 50 };
  }, [text, filters, sort]);

  useEffect(() => {
    if (!active) {
      setResult(null);
      return;
    }
    let alive = true;
    const t = setTimeout(() => {
      api.search
        .query(query)
        .then((r) => alive && setResult(r))
        .catch((err: unknown) => alive && notify.error(err, 'The search failed.'));
    }, 200);
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [query, active, notify]);

  const open = async (hit: SearchHit) => {
    try {
      if (hit.reviewId === null) {
        onOpenCase(hit.caseId, hit.frameId);
        return;
      }
      if (hit.frameIndex !== null) await api.reviews.update({ id: hit.reviewId, lastFrameIndex: hit.frameIndex });
      openReview({ reviewId: hit.reviewId });
    } catch (err) {
      notify.error(err, 'Could not open that result.');
    }
  };

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <div className="library-search" data-testid="library-search">
      <header className="pane-header">
        <h2>Search the library</h2>
      </header>
      <div className="library-search-form">
        <input
          type="search"
          placeholder="Notes, AI answers, labels, tags, case codes"
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
          aria-label="Search the library"
          data-testid="library-search-input"
        />
        <div className="library-filters">
          <select value={filters.phase ?? ''} onChange={(e) => set({ phase: e.target.value || undefined })} aria-label="Phase" data-testid="filter-phase">
            <option value="">Any phase</option>
            {taxonomy?.phases.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
          <select value={filters.instrument ?? ''} onChange={(e) => set({ instrument: e.target.value || undefined })} aria-label="Instrument" data-testid="filter-instrument">
            <option value="">Any instrument</option>
            {taxonomy?.instruments.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
          <select
            value={filters.status ?? ''}
            onChange={(e) => set({ status: (e.target.value || undefined) as Filters['status'] })}
            aria-label="Review status"
            data-testid="filter-status"
          >
            <option value="">Draft or final</option>
            <option value="draft">Draft</option>
            <option value="final">Final</option>
          </select>
          <label>
            From <input type="date" value={filters.dateFrom ?? ''} onChange={(e) => set({ dateFrom: e.target.value || undefined })} data-testid="filter-date-from" />
          </label>
          <label>
            to <input type="date" value={filters.dateTo ?? ''} onChange={(e) => set({ dateTo: e.target.value || undefined })} data-testid="filter-date-to" />
          </label>
          <select value={sort} onChange={(e) => setSort(e.target.value as typeof sort)} aria-label="Sort" data-testid="search-sort">
            <option value="relevance">Best match</option>
            <option value="newest">Newest</option>
            <option value="oldest">Oldest</option>
            <option value="case">Case code</option>
          </select>
        </div>
      </div>
      {active ? (
        result === null ? (
          <p className="muted pad">Searching…</p>
        ) : result.hits.length === 0 ? (
          <p className="muted pad" data-testid="search-empty">
            Nothing found.
          </p>
        ) : (
          <>
            <p className="muted list-count" aria-live="polite" data-testid="search-count">
              {result.total >= 500 ? '500+' : result.total} {result.total === 1 ? 'result' : 'results'}
            </p>
            <ul className="search-hits" data-testid="search-hits">
              {result.hits.map((h) => (
                <li key={`${h.kind}-${h.id}`}>
                  <button type="button" className="search-hit" onClick={() => void open(h)} data-testid="search-hit" data-kind={h.kind} data-id={h.id}>
                    <span className="hit-head">
                      <span className={`hit-kind kind-${h.kind}`}>{KIND_LABEL[h.kind]}</span>
                      <strong>{h.caseCode}</strong>
                      <span className="muted">{h.title}</span>
                      {h.frameIndex !== null && (
                        <span className="muted">
                          frame {h.frameIndex}
                          {h.mediaTime !== null ? ` · ${formatTimecode(h.mediaTime)}` : ''}
                        </span>
                      )}
                      {h.status && <span className="muted">{h.status}</span>}
                    </span>
                    <span className="hit-snippet">
                      <Highlighted text={h.snippet} ranges={h.highlights} />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )
      ) : (
        <section aria-label="Recent reviews">
          <h3>Recent reviews</h3>
          {recent && recent.length > 0 ? (
            <ul className="search-hits" data-testid="library-recent">
              {recent.map((r) => (
                <li key={r.id}>
                  <button type="button" className="search-hit" onClick={() => openReview({ reviewId: r.id })} data-testid="library-recent-review">
                    <span className="hit-head">
                      <strong>{r.caseCode}</strong>
                      <span>{r.videoName ?? 'video'}</span>
                      <span className="muted">{r.status}</span>
                    </span>
                    <span className="muted">
                      frame {r.lastFrameIndex} · {r.frameCount} captured · {r.annotationCount} annotations · {r.noteCount} notes · {formatDateTime(r.updatedAt)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{recent ? 'No reviews yet: open a video from its case to start one.' : 'Loading…'}</p>
          )}
        </section>
      )}
    </div>
  );
}
