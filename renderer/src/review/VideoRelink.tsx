// A review whose video file is no longer where it was imported from: point it at the file's new place (same size
// and contents, checked by the backend) to go on.
import { useState, type FormEvent } from 'react';
import type { Video } from '../../../electron/api/schemas-video';
import { api } from '../api';
import { Button } from '../ui/Button';
import { errorMessage } from '../ui/errors';

interface Props {
  video: Video;
  onRelinked: () => void;
  onBack: () => void;
  notify: { info(text: string): void };
}

export function VideoRelink({ video, onRelinked, onBack, notify }: Props) {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.videos.relink({ id: video.id, path });
      notify.info(`${video.fileName} found again.`);
      onRelinked();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <form className="card form-card narrow" onSubmit={(e) => void submit(e)} data-testid="video-relink">
        <h2>The video file has moved</h2>
        <p>
          <strong>{video.fileName}</strong> is no longer at <code>{video.path}</code>. Enter where it is now; it must be the same file.
        </p>
        <div className="field">
          <label className="field-label" htmlFor="relink-path">
            New location
          </label>
          <input id="relink-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/video.mp4" data-testid="relink-path" />
          {error && <p className="field-error">{error}</p>}
        </div>
        <div className="row-actions">
          <Button variant="primary" type="submit" busy={busy} disabled={!path.trim()}>
            Re-link
          </Button>
          <Button onClick={onBack}>Back to the case</Button>
        </div>
      </form>
    </div>
  );
}
