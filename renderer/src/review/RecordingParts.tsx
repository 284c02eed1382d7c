// One surgery in several files (shown under "Add a surgery video"): operating-room recorders split a recording at a
// size or time limit. The reviewer lists the parts in recording order (one path per line: typed, pasted, or dropped
// from a file manager, several at once); the app checks they are one recording and joins them, without re-encoding,
// into one video that plays and steps as one timeline. Progress and cancel are the panel's (onStarted).
import { useState, type DragEvent, type FormEvent } from 'react';
import { api } from '../api';
import { Button } from '../ui/Button';
import { errorMessage } from '../ui/errors';
import { pathsFromDrop, splitPaths } from './drop-path';
import { askDecoder } from './player/playback-support';

export function RecordingParts({ caseId, busy, onStarted }: { caseId: number; busy: boolean; onStarted: (jobId: string, label: string) => void }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const paths = splitPaths(text);

  const join = async (e: FormEvent) => {
    e.preventDefault();
    if (paths.length < 2) {
      setError('List at least two files, one per line, in the order they were recorded.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      // The joined video is an MP4 of the first part's stream: ask this computer's decoder about that.
      const first = await api.videos.probe({ path: paths[0]! });
      const answer = first.playback ? await askDecoder({ ...first, playback: { ...first.playback, mime: 'video/mp4' } }) : null;
      const r = await api.videos.importParts({ caseId, paths, ...(answer ? { playsHere: answer.plays } : {}) });
      onStarted(r.jobId, `${paths.length} parts`);
      setText('');
      setOpen(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setChecking(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const dropped = pathsFromDrop(e.dataTransfer.getData('text/uri-list'), e.dataTransfer.getData('text/plain'));
    if (dropped.length > 0) setText((t) => [...splitPaths(t), ...dropped].join('\n'));
    else if (e.dataTransfer.files.length > 0) setError('The browser does not say where the dropped files are. Paste their full paths instead, one per line.');
  };

  if (!open) {
    return (
      <p className="parts-open">
        <Button variant="ghost" size="sm" onClick={() => setOpen(true)} disabled={busy} data-testid="parts-open">
          One surgery in several files…
        </Button>
      </p>
    );
  }
  return (
    <form className="recording-parts" onSubmit={(e) => void join(e)} onDrop={onDrop} onDragOver={(e) => e.preventDefault()} data-testid="recording-parts">
      <label htmlFor={`parts-${caseId}`} className="field-label">
        One surgery in several files
      </label>
      <textarea
        id={`parts-${caseId}`}
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={Math.min(8, Math.max(3, paths.length + 1))}
        placeholder={'/recordings/case-0412/part1.mp4\n/recordings/case-0412/part2.mp4\n— one file per line, in recording order, or drop them here'}
        disabled={busy || checking}
        spellCheck={false}
        wrap="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `parts-error-${caseId}` : `parts-hint-${caseId}`}
        data-testid="parts-paths"
      />
      {error ? (
        <p className="field-error" id={`parts-error-${caseId}`} role="alert" data-testid="parts-error">
          {error}
        </p>
      ) : (
        <p className="field-hint" id={`parts-hint-${caseId}`}>
          The files are checked to be one recording (same codec, size and frame rate) and joined in this order without re-encoding into one video in the library
          folder; the originals are not changed. The picture is joined; sound is not.
        </p>
      )}
      <div className="row-actions">
        <Button type="submit" variant="primary" size="sm" busy={checking} disabled={busy || paths.length < 2} data-testid="parts-join">
          {paths.length >= 2 ? `Join ${paths.length} parts and add` : 'Join and add'}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => setOpen(false)} disabled={checking}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
