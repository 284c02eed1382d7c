// Over the frame: what went wrong during playback, where (timecode and frame), in the browser's own words too,
// and where the player went back to. The scrub bar marks the same place.
import { Button } from '../ui/Button';
import { usePlayer, usePlayerState } from './player/player-context';
import { formatTimecode, fromStart } from './player/timeline';

export function PlaybackNotice({ pts }: { pts: number[] }) {
  const player = usePlayer();
  const problem = usePlayerState((s) => s.problem, null);
  if (!problem) return null;
  return (
    <div className="playback-notice" role="alert" data-testid="playback-error" data-state={problem.state} data-code={problem.code ?? ''} data-frame-index={problem.atIndex}>
      <div className="playback-notice-text">
        <strong>
          Playback stopped at <span data-testid="playback-error-time">{formatTimecode(fromStart(pts, problem.atSeconds))}</span> (frame {problem.atIndex}).
        </strong>{' '}
        {problem.message}
        {problem.detail && (
          <code className="playback-notice-detail" data-testid="playback-error-detail">
            {problem.detail}
          </code>
        )}
        <span className="playback-notice-state">
          {problem.state === 'recovering' && 'Reloading the video…'}
          {problem.state === 'recovered' && problem.recoveredTo !== null && `Back at frame ${problem.recoveredTo} (${formatTimecode(fromStart(pts, pts[problem.recoveredTo] ?? 0))}), the last good frame.`}
          {problem.state === 'failed' && 'The video could not be reloaded. Reopen the review, or convert the file in the case’s video list.'}
        </span>
      </div>
      {problem.state !== 'recovering' && (
        <Button size="sm" variant="ghost" onClick={() => player?.dismissProblem()} data-testid="playback-error-dismiss" aria-label="Dismiss">
          ×
        </Button>
      )}
    </div>
  );
}
