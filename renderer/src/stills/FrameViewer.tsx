import type { Frame } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { formatBytes, formatDateTime } from '../ui/format';

export function FrameViewer({ frame, onRemove }: { frame: Frame; onRemove: () => void }) {
  return (
    <figure className="frame-viewer" data-testid="frame-viewer">
      <div className="frame-stage">
        <img src={api.frameUrl(frame.sha256)} alt={`Still image ${frame.sourceName}`} data-testid="frame-large" />
      </div>
      <figcaption className="frame-caption">
        <span className="frame-text">
          <span className="frame-name" title={frame.sourceName}>
            {frame.sourceName}
          </span>
          <span className="muted">
            {frame.width}×{frame.height} · {frame.mime === 'image/png' ? 'PNG' : 'JPEG'} · {formatBytes(frame.bytes)} · added {formatDateTime(frame.createdAt)}
          </span>
        </span>
        <Button size="sm" variant="ghost" onClick={onRemove} data-testid="frame-remove">
          Remove image
        </Button>
      </figcaption>
    </figure>
  );
}
