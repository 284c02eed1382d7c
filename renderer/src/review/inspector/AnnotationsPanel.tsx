// The Annotations tab: the shapes on the frame on screen (select one to edit it), the review's frames (the reviewer's
// captures, or the phase timeline's samples: their own kind, behind their own filter), and the phase segments.
import { useState } from 'react';
import type { Frame } from '../../../../electron/api/schemas';
import { Button } from '../../ui/Button';
import { useAnnotate } from '../annotate/annotate-context';
import { Filmstrip } from '../Filmstrip';
import { usePlayer } from '../player/player-context';
import { SegmentsPanel } from '../segments/SegmentsPanel';
import { useReviewStore, useStore } from '../workspace/review-store';
import { tip } from '../workspace/shortcuts';

const KIND_TEXT: Record<string, string> = { box: 'Box', arrow: 'Arrow', ellipse: 'Ellipse', freehand: 'Freehand', text: 'Text' };

export function AnnotationsPanel({ pts, onCapture, capturing }: { pts: number[]; onCapture(): void; capturing: boolean }) {
  const a = useAnnotate();
  const store = useStore();
  const player = usePlayer();
  const frames = useReviewStore((s) => s.frames);
  const samples = useReviewStore((s) => s.samples);
  const analysed = useReviewStore((s) => s.analysed);
  const panelFrameId = useReviewStore((s) => s.panelFrameId);
  const [kind, setKind] = useState<'capture' | 'sample'>('capture');
  if (!a) return null;
  const here = a.session.forFrame(a.frame?.id ?? null);
  const open = (f: Frame) => {
    store.showFrameInPanel(f.id);
    if (f.frameIndex !== null) player?.goTo(f.frameIndex, 'seek');
  };
  return (
    <div className="annotations-panel">
      <section aria-label="On this frame">
        <h4 className="inspector-heading">
          On frame {a.frameIndex} {here.length > 0 && <span className="count">{here.length}</span>}
        </h4>
        {here.length === 0 ? (
          <p className="muted">No annotations on this frame. Pick a tool above the frame (B box, R arrow, E ellipse, F freehand, T text) and draw.</p>
        ) : (
          <ul className="annotation-rows" data-testid="annotation-rows">
            {here.map((x) => (
              <li key={x.id}>
                <button type="button" className={`annotation-row${a.selectedId === x.id ? ' is-selected' : ''}`} onClick={() => a.select(x.id)} aria-pressed={a.selectedId === x.id}>
                  <span className="swatch" style={{ background: x.color }} aria-hidden="true" />
                  <span>{KIND_TEXT[x.kind] ?? x.kind}</span>
                  <span className="muted">{x.label ? a.labelText(x.label) : 'no label'}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-label="Frames">
        <div className="inspector-heading-row">
          <div className="segmented small" role="radiogroup" aria-label="Which frames">
            <button type="button" role="radio" aria-checked={kind === 'capture'} className={kind === 'capture' ? 'is-active' : ''} onClick={() => setKind('capture')} data-testid="frames-filter-capture">
              Captured <span className="count">{frames.length}</span>
            </button>
            <button type="button" role="radio" aria-checked={kind === 'sample'} className={kind === 'sample' ? 'is-active' : ''} onClick={() => setKind('sample')} data-testid="frames-filter-sample" title="Frames the phase timeline sampled (Analyse video): kept apart from the frames you capture">
              Samples <span className="count">{samples.length}</span>
            </button>
          </div>
          <Button size="sm" onClick={onCapture} disabled={!player || a.readOnly} busy={capturing} data-testid="capture-button" title={tip('capture')}>
            Capture <kbd>C</kbd>
          </Button>
        </div>
        {kind === 'capture' ? (
          <Filmstrip frames={frames} analysed={analysed} currentIndex={a.frameIndex} selectedId={panelFrameId} onOpen={open} origin={pts[0] ?? 0} />
        ) : samples.length === 0 ? (
          <p className="muted filmstrip-empty" data-testid="samples-empty">
            The phase timeline (Analysis tab → Analyse video) samples frames here. They are kept apart from the frames you capture.
          </p>
        ) : (
          <Filmstrip frames={samples} analysed={new Set(samples.map((f) => f.id))} currentIndex={a.frameIndex} selectedId={panelFrameId} onOpen={open} origin={pts[0] ?? 0} testId="sample-thumb" />
        )}
      </section>

      <SegmentsPanel pts={pts} />
    </div>
  );
}
