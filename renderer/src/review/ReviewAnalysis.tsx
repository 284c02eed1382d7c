// The analysis beside the frame. "Analyze frame" (or A) always means the frame on screen: it is captured at its
// native size, stored in the review, and analysed; the panel streams it. The panel keeps showing the last frame
// analysed or opened while the reviewer looks around, and says which frame that is.
import type { Frame } from '../../../electron/api/schemas';
import { AnalysisPanel, whyNoAnalysis } from '../analysis/AnalysisPanel';
import { useAnalysisKeys } from '../analysis/use-analysis-keys';
import { modelReady, useInference } from '../app/inference-context';
import { useNavigate } from '../app/navigation';
import { Button } from '../ui/Button';
import { useNotify } from '../ui/notify';
import { formatTimecode } from './player/timeline';

interface Props {
  frame: Frame | null;
  /** The frame on screen (settled). */
  currentIndex: number;
  /** Seconds from the first frame. */
  currentTime: number;
  /** The first frame's media time (a captured frame's stored media time is shown from it). */
  origin?: number;
  busy: boolean;
  onAnalyze: () => Promise<void>;
}

export function ReviewAnalysis({ frame, currentIndex, currentTime, busy, onAnalyze, origin = 0 }: Props) {
  return (
    <div className="review-analysis">
      {frame ? (
        <>
          <p className="analysis-frame-caption" data-testid="analysis-frame-caption" data-frame-index={frame.frameIndex ?? ''}>
            <strong>Frame {frame.frameIndex}</strong> <span className="muted">at {formatTimecode((frame.mediaTime ?? origin) - origin)}</span>
            {frame.frameIndex !== currentIndex && (
              <span className="muted">
                {' '}
                · on screen: frame {currentIndex}. <kbd>A</kbd> captures and analyses it.
              </span>
            )}
          </p>
          <AnalysisPanel key={frame.id} frame={frame} onAnalyze={onAnalyze} />
        </>
      ) : (
        <EmptyAnalysis currentIndex={currentIndex} currentTime={currentTime} busy={busy} onAnalyze={onAnalyze} />
      )}
    </div>
  );
}

function EmptyAnalysis({ currentIndex, currentTime, busy, onAnalyze }: Omit<Props, 'frame'>) {
  const { status } = useInference();
  const navigate = useNavigate();
  const notify = useNotify();
  const ready = modelReady(status);
  const run = () => {
    if (ready && !busy) void onAnalyze().catch((err: unknown) => notify.error(err, 'The frame was not analysed.'));
  };
  useAnalysisKeys({ onAnalyze: run, onCancel: null });
  return (
    <section className="analysis-panel" aria-label="Analysis">
      <header className="analysis-header">
        <h3>Analysis</h3>
        <div className="analysis-actions">
          <Button variant="primary" onClick={run} disabled={!ready} busy={busy} data-testid="analyze-button" aria-keyshortcuts="A">
            Analyze frame <kbd>A</kbd>
          </Button>
        </div>
      </header>
      {!ready && (
        <p className="analyze-why" data-testid="analyze-disabled-reason">
          {whyNoAnalysis(status)}{' '}
          <button type="button" className="link" onClick={() => navigate('models')} data-testid="go-to-models">
            Load a model in Models
          </button>
        </p>
      )}
      <p className="muted analysis-empty" data-testid="analysis-status" data-status="idle">
        Frame {currentIndex} ({formatTimecode(currentTime)}) has not been analysed. <strong>Analyze frame</strong> (or <kbd>A</kbd>) captures it at full resolution and asks the
        local model; its reasoning and its instruction for a resident stream in here. <kbd>C</kbd> captures it without analysing.
      </p>
    </section>
  );
}
