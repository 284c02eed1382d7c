// A review's frames in time order (the captures, or the phase timeline's samples): a thumbnail each, with its frame
// number and time, marked when it has an analysis. A click jumps the player to that exact frame and shows its analysis.
import type { Frame } from '../../../electron/api/schemas';
import { api } from '../api';
import { formatTimecode } from './player/timeline';

interface Props {
  frames: Frame[];
  analysed: ReadonlySet<number>;
  currentIndex: number;
  selectedId: number | null;
  onOpen: (frame: Frame) => void;
  /** The first frame's media time: times are shown from it. */
  origin?: number;
  /** data-testid of each thumbnail (captures: film-thumb). */
  testId?: string;
}

export function Filmstrip({ frames, analysed, currentIndex, selectedId, onOpen, origin = 0, testId = 'film-thumb' }: Props) {
  if (frames.length === 0) {
    return (
      <p className="filmstrip-empty muted" data-testid="filmstrip-empty">
        Captured frames appear here. Pause on a moment and press <kbd>A</kbd> to capture and analyse it, or <kbd>C</kbd> to capture only.
      </p>
    );
  }
  const sorted = [...frames].sort((a, b) => (a.frameIndex ?? 0) - (b.frameIndex ?? 0) || a.id - b.id);
  return (
    <ul className="filmstrip" aria-label="Captured frames" data-testid="filmstrip">
      {sorted.map((f) => (
        <li key={f.id}>
          <button
            type="button"
            className={`film-thumb${f.frameIndex === currentIndex ? ' is-current' : ''}`}
            aria-pressed={f.id === selectedId}
            data-testid={testId}
            data-frame-id={f.id}
            data-frame-index={f.frameIndex ?? ''}
            title={`Frame ${f.frameIndex} at ${formatTimecode((f.mediaTime ?? origin) - origin)}${analysed.has(f.id) ? ' — analysed' : ''}`}
            onClick={() => onOpen(f)}
          >
            <img src={api.frameUrl(f.sha256)} alt={`Frame ${f.frameIndex}`} loading="lazy" draggable={false} />
            <span className="film-label">
              <span>#{f.frameIndex}</span>
              <span className="muted">{formatTimecode((f.mediaTime ?? origin) - origin).slice(3)}</span>
            </span>
            {analysed.has(f.id) && (
              <span className="film-badge" title="Analysed" data-testid="film-analysed">
                AI
              </span>
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}
