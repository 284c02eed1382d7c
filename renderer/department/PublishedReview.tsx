// A review published from a workstation: where it came from, its captured frames (the selected one large, its
// annotations drawn over it), that frame's annotations and notes beside it, and under it the frame's analyses with
// "Analyse frame" on the department's shared engine.
import { useCallback, useMemo, useState } from 'react';
import { Analyses } from './Analyses';
import { useAnalysisJob } from './analysis-job';
import { Annotations, type AnnotationsProps } from './Annotations';
import { formatTime, type Published, type PublishedFrame } from './api';
import { FrameView } from './FrameView';
import type { HeldReview } from './live';
import { Notes, type Write } from './Notes';
import type { PublishedState } from './published';

export interface PublishedReviewProps {
  reviewId: number;
  published: Published;
  state: PublishedState;
  held: HeldReview;
  editable: boolean;
  busy: boolean;
  write: Write;
  /** Changes on each Reload (the notes' editors start again). */
  reloads: number;
  onSignedOut(message: string): void;
  annotationsProps: Omit<AnnotationsProps, 'annotations'>;
}

function duration(seconds: number | null): string | null {
  if (seconds === null) return null;
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function Source({ p }: { p: Published }) {
  const v = p.video;
  const facts = [v.fileName, duration(v.durationSeconds), v.width && v.height ? `${v.width}×${v.height}` : null, v.fps ? `${Math.round(v.fps * 100) / 100} fps` : null].filter(Boolean);
  return (
    <p className="dept-source muted">
      Case <strong>{p.source.caseCode}</strong>, reviewed by {p.source.reviewer} · published from a workstation by {p.publishedBy}, {formatTime(p.publishedAt)}
      {facts.length > 0 && <span className="dept-source-video">Video: {facts.join(' · ')}</span>}
    </p>
  );
}

export function PublishedReview({ reviewId, published, state, held, editable, busy, write, reloads, onSignedOut, annotationsProps }: PublishedReviewProps) {
  const frames = published.frames;
  const [selectedIndex, setSelectedIndex] = useState<number | null>(frames[0]?.frameIndex ?? null);
  const selected = frames.find((f) => f.frameIndex === selectedIndex) ?? frames[0] ?? null;
  const { reloadAnalyses, addAnalysis } = state;
  const onDone = useCallback(
    (a: Parameters<typeof addAnalysis>[0]) => {
      addAnalysis(a);
      void reloadAnalyses(); // and anyone else's that finished meanwhile
    },
    [addAnalysis, reloadAnalyses],
  );
  const { job, start, cancel, dismiss } = useAnalysisJob(reviewId, onDone, onSignedOut);
  const select = (f: PublishedFrame) => setSelectedIndex(f.frameIndex);
  const fromWorkstation = useMemo(() => new Map((published.notes ?? []).map((n) => [n.noteId, n.author])), [published.notes]);

  if (!selected) {
    return (
      <>
        <Source p={published} />
        <p className="muted dept-empty">This review was published without frames.</p>
      </>
    );
  }
  const frameAnnotations = held.annotations.filter((a) => a.frameIndex === selected.frameIndex);
  const frameNotes = held.notes.filter((n) => n.frameIndex === selected.frameIndex || n.frameIndex === null);
  return (
    <>
      <Source p={published} />
      {state.error && (
        <p className="dept-error" role="alert">
          {state.error}
        </p>
      )}
      <div className="dept-review-grid">
        <div className="dept-review-main">
          <FrameView frames={frames} selected={selected} annotations={held.annotations} onSelect={select} />
          <Analyses
            frame={selected}
            status={state.status}
            stored={state.analyses}
            published={published.analyses}
            reviewer={published.source.reviewer}
            job={job}
            onAnalyse={() => void start(selected.frameIndex, selected.sha256)}
            onCancel={() => void cancel()}
            onDismiss={dismiss}
          />
        </div>
        <aside className="dept-review-side" aria-label={`Frame ${selected.frameIndex}: annotations and notes`}>
          <h2 className="dept-section-title">
            Annotations <span className="count">{frameAnnotations.length}</span>
          </h2>
          {frameAnnotations.length === 0 ? (
            <p className="muted dept-empty">No annotations on this frame.</p>
          ) : (
            <Annotations annotations={frameAnnotations} grouped={false} {...annotationsProps} />
          )}
          <h2 className="dept-section-title dept-notes-title">
            Notes <span className="count">{frameNotes.length}</span>
          </h2>
          <Notes
            key={reloads}
            reviewId={reviewId}
            notes={frameNotes}
            frameIndex={selected.frameIndex}
            editable={editable}
            busy={busy}
            write={write}
            onSaved={held.applyNote}
            onDeleted={held.removeNote}
            fromWorkstation={fromWorkstation}
          />
        </aside>
      </div>
    </>
  );
}
