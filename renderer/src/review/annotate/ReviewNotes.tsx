// The Notes tab: the reviewer's notes on the whole review or on the frame on screen (captured first when needed),
// newest last, each with where it is, who wrote it and when. A note has a visible limit (20,000 characters, the
// contract's): the counter shows it, and a longer note is refused with a message, never cut. Notes are found by the
// library search.
import { useState } from 'react';
import { Button } from '../../ui/Button';
import { CharCount, tooLong } from '../../ui/CharCount';
import { formatDateTime } from '../../ui/format';
import { usePlayer } from '../player/player-context';
import { useReviewStore, useStore } from '../workspace/review-store';
import { useAnnotate } from './annotate-context';
import { useTeaching } from '../../teaching/teaching-store';

/** The contract's limit (schemas-review.ts NoteText). */
export const NOTE_MAX = 20_000;

export function ReviewNotes() {
  const a = useAnnotate();
  const store = useStore();
  const player = usePlayer();
  const notes = useReviewStore((s) => s.notes);
  const frames = useReviewStore((s) => s.frames);
  const samples = useReviewStore((s) => s.samples);
  const [text, setText] = useState('');
  const [onFrame, setOnFrame] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const teaching = useTeaching(store.reviewId);
  if (!a) return null;
  const indexOf = new Map([...frames, ...samples].map((f) => [f.id, f.frameIndex]));

  const add = async () => {
    const value = text.trim();
    if (!value) return;
    const why = tooLong(value, NOTE_MAX, 'A note');
    if (why) {
      setError(why);
      return;
    }
    setBusy(true);
    try {
      const target = onFrame ? (await a.ensureFrame()).id : null;
      await store.addNote(target, value);
      setText('');
      setError(null);
    } catch (err) {
      a.reportError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: number) => {
    try {
      await store.removeNote(id);
    } catch (err) {
      a.reportError(err);
    }
  };

  return (
    <section className="review-notes" aria-label="Notes" data-testid="review-notes">
      {notes.length === 0 && <p className="muted inspector-empty">No notes yet. Notes on a frame appear on the timeline’s Notes lane.</p>}
      <ul className="note-list">
        {notes.map((n) => {
          const k = n.frameId === null ? null : (indexOf.get(n.frameId) ?? null);
          return (
            <li key={n.id} data-testid="note-item" data-note-id={n.id} data-frame-index={k ?? ''}>
              {teaching.hidesNote(n) ? (
                <p className="note-text muted teaching-hidden-note" data-testid="note-hidden">
                  Hidden in teaching mode until you write what you see on frame {k ?? '?'} (Analysis tab).
                </p>
              ) : (
                <p className="note-text">{n.text}</p>
              )}
              <p className="muted note-meta">
                {k === null ? (
                  'Whole review'
                ) : (
                  <button type="button" className="link" onClick={() => player?.goTo(k, 'seek')} title="Go to this frame">
                    Frame {k}
                  </button>
                )}{' '}
                · {n.author} · {formatDateTime(n.updatedAt)}
                {!a.readOnly && (
                  <button type="button" className="link note-delete" onClick={() => void remove(n.id)} aria-label="Delete note">
                    Delete
                  </button>
                )}
              </p>
            </li>
          );
        })}
      </ul>
      {!a.readOnly && (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <textarea
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setError(null);
            }}
            rows={4}
            placeholder="Write a note"
            aria-label="New note"
            aria-invalid={error ? true : undefined}
            aria-describedby="note-limit"
            data-testid="note-text"
          />
          <div className="note-form-row">
            <label className="note-on-frame">
              <input type="checkbox" checked={onFrame} onChange={(e) => setOnFrame(e.target.checked)} data-testid="note-on-frame" /> On frame {a.frameIndex}
            </label>
            <span id="note-limit" className="note-limit">
              <CharCount value={text} max={NOTE_MAX} always testId="note-count" />
            </span>
          </div>
          {error && (
            <p className="field-error" role="alert" data-testid="note-error">
              {error}
            </p>
          )}
          <Button type="submit" size="sm" variant="primary" busy={busy} disabled={!text.trim()} data-testid="note-add">
            Add note
          </Button>
        </form>
      )}
    </section>
  );
}
