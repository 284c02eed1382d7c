// The reviewer's notes: on the whole review, or on the frame on screen (captured first when needed). Notes are
// found by the library search.
import { useEffect, useState } from 'react';
import type { Note } from '../../../../electron/api/schemas-review';
import { api } from '../../api';
import { Button } from '../../ui/Button';
import { formatDateTime } from '../../ui/format';
import { useAnnotate } from './annotate-context';

export function ReviewNotes() {
  const a = useAnnotate();
  const [notes, setNotes] = useState<Note[]>([]);
  const [text, setText] = useState('');
  const [onFrame, setOnFrame] = useState(false);
  const [busy, setBusy] = useState(false);
  const reviewId = a?.reviewId;
  const report = a?.reportError;

  useEffect(() => {
    if (reviewId === undefined) return;
    let alive = true;
    api.notes
      .list({ reviewId })
      .then((l) => alive && setNotes(l))
      .catch((err: unknown) => alive && report?.(err));
    return () => {
      alive = false;
    };
  }, [reviewId, report]);

  if (!a) return null;
  const frameId = a.frame?.id ?? null;
  const shown = notes.filter((n) => n.frameId === null || n.frameId === frameId);

  const add = async () => {
    const value = text.trim();
    if (!value) return;
    setBusy(true);
    try {
      const target = onFrame ? (await a.ensureFrame()).id : null;
      const note = await api.notes.create({ reviewId: a.reviewId, frameId: target, text: value });
      setNotes((l) => [...l, note]);
      setText('');
    } catch (err) {
      a.reportError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: number) => {
    try {
      await api.notes.delete({ id });
      setNotes((l) => l.filter((n) => n.id !== id));
    } catch (err) {
      a.reportError(err);
    }
  };

  return (
    <section className="review-notes" aria-label="Notes" data-testid="review-notes">
      <h3>Notes</h3>
      <ul className="note-list">
        {shown.map((n) => (
          <li key={n.id} data-testid="note-item" data-note-id={n.id}>
            <p>{n.text}</p>
            <p className="muted note-meta">
              {n.frameId === null ? 'Review' : `Frame ${a.frameIndex}`} · {n.author} · {formatDateTime(n.updatedAt)}
              {!a.readOnly && (
                <button type="button" className="link" onClick={() => void remove(n.id)} aria-label="Delete note">
                  Delete
                </button>
              )}
            </p>
          </li>
        ))}
      </ul>
      {!a.readOnly && (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={20000} placeholder="Write a note" aria-label="New note" data-testid="note-text" />
          <label className="note-on-frame">
            <input type="checkbox" checked={onFrame} onChange={(e) => setOnFrame(e.target.checked)} data-testid="note-on-frame" /> On frame {a.frameIndex}
          </label>
          <Button type="submit" size="sm" busy={busy} disabled={!text.trim()} data-testid="note-add">
            Add note
          </Button>
        </form>
      )}
    </section>
  );
}
