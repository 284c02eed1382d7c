// Phase segments of the review: I and O mark in and out at the frame on screen, then the range is labelled with a
// phase and saved; the list edits a segment's phase, label, note and range (set to the frame on screen) or deletes it.
import { useEffect, useState } from 'react';
import type { Segment } from '../../../../electron/api/schemas-review';
import { Button } from '../../ui/Button';
import { CharCount, tooLong } from '../../ui/CharCount';
import { useAnnotate } from '../annotate/annotate-context';
import { usePlayer } from '../player/player-context';
import { formatTimecode, fromStart } from '../player/timeline';
import { ResponseForm } from '../../teaching/ResponseForm';
import { TeachingCompare } from '../../teaching/TeachingCompare';
import { useTeaching } from '../../teaching/teaching-store';
import { useStore } from '../workspace/review-store';

/** The contract's limits (schemas-review.ts SegmentInput). */
const LABEL_MAX = 120;
const NOTE_MAX = 5000;

export function SegmentsPanel({ pts }: { pts: number[] }) {
  const a = useAnnotate();
  const player = usePlayer();
  if (!a) return null;
  const s = a.segments;
  const time = (k: number) => formatTimecode(fromStart(pts, pts[k] ?? 0));
  return (
    <section className="segments-panel" aria-label="Phase segments" data-testid="segments-panel">
      <header className="segments-header">
        <h3>
          Phase segments {s.list.length > 0 && <span className="count">{s.list.length}</span>}
        </h3>
        <p className="muted">
          <kbd>I</kbd> marks the start, <kbd>O</kbd> the end at the frame on screen
          {s.markIn !== null && <> · in: frame {s.markIn} ({time(s.markIn)})</>}
          {s.markOut !== null && <> · out: frame {s.markOut} ({time(s.markOut)})</>}
        </p>
      </header>
      {s.markIn !== null && s.markOut !== null && !a.readOnly && <NewSegment pts={pts} />}
      <ul className="segment-list">
        {s.list.map((seg) => (
          <li key={seg.id} className={s.selectedId === seg.id ? 'is-selected' : ''} data-testid="segment-item" data-segment-id={seg.id}>
            {s.selectedId === seg.id ? (
              <SegmentEditor seg={seg} pts={pts} />
            ) : (
              <button type="button" className="segment-summary" onClick={() => s.select(seg.id)}>
                <span className="segment-swatch" style={{ background: a.taxonomy?.phases.find((p) => p.id === seg.phase)?.color ?? '#8e8e93' }} />
                <strong>{seg.label || a.labelText(seg.phase) || 'Segment'}</strong>
                <span className="muted">
                  {time(seg.startFrame)}–{time(seg.endFrame)}
                </span>
              </button>
            )}
            {s.selectedId !== seg.id && (
              <button type="button" className="link" onClick={() => player?.goTo(seg.startFrame, 'seek')}>
                Go to start
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PhaseSelect({ value, onChange, testId }: { value: string | null; onChange: (v: string | null) => void; testId: string }) {
  const a = useAnnotate()!;
  return (
    <select value={value ?? ''} onChange={(e) => onChange(e.target.value || null)} data-testid={testId} aria-label="Phase">
      <option value="">No phase</option>
      {a.taxonomy?.phases.map((p) => (
        <option key={p.id} value={p.id}>
          {p.label}
        </option>
      ))}
    </select>
  );
}

function NewSegment({ pts }: { pts: number[] }) {
  const a = useAnnotate()!;
  const s = a.segments;
  const [phase, setPhase] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const save = async () => {
    if (s.markIn === null || s.markOut === null) return;
    const why = tooLong(label, LABEL_MAX, 'A segment label');
    if (why) {
      a.reportError(new Error(why));
      return;
    }
    setBusy(true);
    try {
      const seg = await s.create({ startFrame: Math.min(s.markIn, s.markOut), endFrame: Math.max(s.markIn, s.markOut), phase, label: label.trim(), note: '' });
      s.setMarkIn(null);
      s.setMarkOut(null);
      s.select(seg.id);
    } catch (err) {
      a.reportError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="segment-new"
      data-testid="segment-new"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <span>
        Frames {s.markIn}–{s.markOut} ({formatTimecode(fromStart(pts, pts[s.markIn!] ?? 0))}–{formatTimecode(fromStart(pts, pts[s.markOut!] ?? 0))})
      </span>
      <PhaseSelect value={phase} onChange={setPhase} testId="segment-new-phase" />
      <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="Label (optional)" data-testid="segment-new-label" aria-label="Segment label" />
      <CharCount value={label} max={LABEL_MAX} />
      <Button type="submit" size="sm" variant="primary" busy={busy} data-testid="segment-save">
        Save segment
      </Button>
      <Button
        size="sm"
        onClick={() => {
          s.setMarkIn(null);
          s.setMarkOut(null);
        }}
      >
        Cancel
      </Button>
    </form>
  );
}

function SegmentEditor({ seg, pts }: { seg: Segment; pts: number[] }) {
  const a = useAnnotate()!;
  const s = a.segments;
  const reviewId = useStore().reviewId;
  const teaching = useTeaching(reviewId);
  const st = teaching.state;
  const hidden = st !== null && st.mode !== null && teaching.mustAnswer({ segmentId: seg.id });
  const name = [seg.label, seg.phase].find((x) => x) ?? '';
  const [label, setLabel] = useState(seg.label);
  const [note, setNote] = useState(seg.note);
  useEffect(() => {
    setLabel(seg.label);
    setNote(seg.note);
  }, [seg.label, seg.note]);
  const save = (patch: Parameters<typeof s.update>[1]) => {
    const why = (patch.label !== undefined && tooLong(patch.label, LABEL_MAX, 'A segment label')) || (patch.note !== undefined && tooLong(patch.note, NOTE_MAX, 'A segment note'));
    if (why) {
      a.reportError(new Error(why));
      return;
    }
    void s.update(seg.id, patch).catch((err: unknown) => a.reportError(err));
  };
  const ro = a.readOnly;
  return (
    <div className="segment-editor" data-testid="segment-editor">
      <div className="segment-editor-row">
        <PhaseSelect value={seg.phase} onChange={(phase) => save({ phase })} testId="segment-phase" />
        <input
          value={label}
          disabled={ro}
          onChange={(e) => setLabel(e.target.value)}
          onBlur={() => label !== seg.label && save({ label: label.trim() })}
          placeholder="Label"
          aria-label="Segment label"
          data-testid="segment-label"
        />
        <CharCount value={label} max={LABEL_MAX} />
      </div>
      <div className="segment-editor-row muted">
        Frames {seg.startFrame}–{seg.endFrame} ({formatTimecode(fromStart(pts, pts[seg.startFrame] ?? 0))}–{formatTimecode(fromStart(pts, pts[seg.endFrame] ?? 0))})
        <Button size="sm" disabled={ro || a.frameIndex > seg.endFrame} onClick={() => save({ startFrame: a.frameIndex })} data-testid="segment-set-start">
          Start here
        </Button>
        <Button size="sm" disabled={ro || a.frameIndex < seg.startFrame} onClick={() => save({ endFrame: a.frameIndex })} data-testid="segment-set-end">
          End here
        </Button>
      </div>
      {st === null ? null : hidden ? (
        // Teaching mode: the resident writes their reading of the segment before its note (the attending's) and the
        // model's analysis of a frame in it are shown.
        <ResponseForm target={{ segmentId: seg.id }} where={`the segment ${name ? `${name} ` : ''}(frames ${seg.startFrame}–${seg.endFrame})`} locked={ro} />
      ) : (
        <>
          {st.mode && <TeachingCompare reviewId={reviewId} target={{ segmentId: seg.id }} frameIndex={null} />}
          <textarea
            value={note}
            disabled={ro}
            onChange={(e) => setNote(e.target.value)}
            onBlur={() => note !== seg.note && save({ note })}
            placeholder="Note on this segment"
            rows={2}
            aria-label="Segment note"
            data-testid="segment-note"
          />
          <CharCount value={note} max={NOTE_MAX} />
        </>
      )}
      <div className="segment-editor-row">
        <Button size="sm" variant="danger" disabled={ro} onClick={() => void s.remove(seg.id).catch((err: unknown) => a.reportError(err))} data-testid="segment-delete">
          Delete segment
        </Button>
        <Button size="sm" onClick={() => s.select(null)}>
          Done
        </Button>
      </div>
    </div>
  );
}
