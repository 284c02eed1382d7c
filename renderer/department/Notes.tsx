// A review's notes (the department's notes routes): free text on the whole review or on one frame, with who wrote it
// and when. Editing sends the version it started from, so someone else's change in between is refused with their
// name (the page's notice, with Reload); new, changed and deleted notes arrive live (note.* events).
import { useState, type FormEvent } from 'react';
import { call, formatTime, type Note } from './api';

/** Runs one write; a refusal becomes the page's notice. True if it went through. */
export type Write = (work: () => Promise<void>) => Promise<boolean>;

export interface NotesProps {
  reviewId: number;
  notes: Note[];
  editable: boolean;
  busy: boolean;
  write: Write;
  onSaved(note: Note): void;
  onDeleted(id: number): void;
  /** A published review: notes go on this frame (or the review); else the frame is typed in (blank: the review). */
  frameIndex?: number;
  /** Notes published from the workstation: note id → who wrote it there. */
  fromWorkstation?: ReadonlyMap<number, string>;
}

function NoteRow({ note, fromWorkstation, ...p }: Omit<NotesProps, 'notes' | 'reviewId' | 'frameIndex'> & { note: Note }) {
  const [draft, setDraft] = useState<{ version: number; text: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const ok = await p.write(async () => p.onSaved(await call<Note>('PATCH', `/api/notes/${note.id}`, { version: draft.version, text: draft.text })));
    if (ok) setDraft(null);
  };
  const where = note.frameIndex === null ? 'Review' : `Frame ${note.frameIndex}`;
  return (
    <li className="dept-annotation" data-testid="note">
      <div className="dept-annotation-body">
        <div className="dept-annotation-head">
          <span className="pill">{where}</span>
        </div>
        {draft ? (
          <form className="dept-note-editor" onSubmit={(e) => void save(e)}>
            <label htmlFor={`note-edit-${note.id}`} className="sr-only">
              Note text
            </label>
            <textarea id={`note-edit-${note.id}`} value={draft.text} rows={3} maxLength={20000} onChange={(e) => setDraft({ ...draft, text: e.target.value })} autoFocus />
            <div className="dept-row-actions">
              <button type="submit" className="btn btn-sm btn-primary" disabled={p.busy || !draft.text.trim()}>
                Save note
              </button>
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => setDraft(null)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <p className="dept-note">{note.text}</p>
        )}
        <p className="dept-meta">
          {fromWorkstation?.has(note.id) ? `${fromWorkstation.get(note.id)} on the workstation · published by ${note.author}` : note.author}, {formatTime(note.createdAt)}
          {note.version > 1 && ` · edited by ${note.updatedBy}, ${formatTime(note.updatedAt)}`}
        </p>
      </div>
      {p.editable && !draft && (
        <div className="dept-row-actions">
          {confirming ? (
            <>
              <button
                type="button"
                className="btn btn-sm btn-danger"
                disabled={p.busy}
                onClick={() => void p.write(async () => (await call('DELETE', `/api/notes/${note.id}`, { version: note.version }), p.onDeleted(note.id)))}
              >
                Delete
              </button>
              <button type="button" className="btn btn-sm btn-ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <>
              <button type="button" className="btn btn-sm" onClick={() => setDraft({ version: note.version, text: note.text })}>
                Edit note
              </button>
              <button type="button" className="btn btn-sm btn-ghost" aria-label="Delete note" onClick={() => setConfirming(true)}>
                Delete…
              </button>
            </>
          )}
        </div>
      )}
    </li>
  );
}

function AddNote({ reviewId, frameIndex, busy, write, onSaved }: Pick<NotesProps, 'reviewId' | 'frameIndex' | 'busy' | 'write' | 'onSaved'>) {
  const [text, setText] = useState('');
  const [onFrame, setOnFrame] = useState(true);
  const [typedFrame, setTypedFrame] = useState('');
  const published = frameIndex !== undefined;
  const target = published ? (onFrame ? frameIndex : null) : typedFrame.trim() === '' ? null : Number(typedFrame);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await write(async () => onSaved(await call<Note>('POST', `/api/reviews/${reviewId}/notes`, { text, frameIndex: target })));
    if (ok) setText('');
  };
  return (
    <form className="dept-add card" onSubmit={(e) => void submit(e)} aria-labelledby="add-title">
      <h3 id="add-title">Add a note</h3>
      {published ? (
        <fieldset className="dept-choice">
          <legend className="sr-only">The note is on</legend>
          <label>
            <input type="radio" name="note-on" checked={onFrame} onChange={() => setOnFrame(true)} /> On frame {frameIndex}
          </label>
          <label>
            <input type="radio" name="note-on" checked={!onFrame} onChange={() => setOnFrame(false)} /> On the whole review
          </label>
        </fieldset>
      ) : (
        <div className="dept-add-fields">
          <div className="field dept-frame-field">
            <label htmlFor="note-frame" className="field-label">
              Frame <span className="muted">(blank: the whole review)</span>
            </label>
            <input id="note-frame" type="number" min={0} step={1} value={typedFrame} onChange={(e) => setTypedFrame(e.target.value)} />
          </div>
        </div>
      )}
      <div className="field">
        <label htmlFor="note-text" className="field-label">
          Note
        </label>
        <textarea id="note-text" value={text} maxLength={20000} rows={2} onChange={(e) => setText(e.target.value)} required />
      </div>
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy || !text.trim() || (!published && typedFrame.trim() !== '' && !/^\d+$/.test(typedFrame.trim()))}>
          Add note
        </button>
      </div>
    </form>
  );
}

export function Notes({ reviewId, notes, frameIndex, ...p }: NotesProps) {
  return (
    <div className="dept-notes">
      {notes.length === 0 ? (
        <p className="muted dept-empty">No notes yet.</p>
      ) : (
        <ul className="dept-frame card dept-list">
          {notes.map((n) => (
            <NoteRow key={n.id} note={n} {...p} />
          ))}
        </ul>
      )}
      {p.editable && <AddNote reviewId={reviewId} busy={p.busy} write={p.write} onSaved={p.onSaved} {...(frameIndex !== undefined ? { frameIndex } : {})} />}
    </div>
  );
}
