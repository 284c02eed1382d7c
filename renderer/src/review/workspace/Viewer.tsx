// The viewer: the annotation tools over the frame, the frame itself (it takes all the room the window gives it and
// scales to it), what went wrong during playback, and the transport bar. A finalised review says so here, with who
// locked it and how to reopen it.
import type { ReactNode } from 'react';
import type { ColourDecision } from '../../../../electron/api/colour';
import { REVIEWER_ROLE_LABELS } from '../../../../electron/api/schemas';
import { Button } from '../../ui/Button';
import { formatDateTime } from '../../ui/format';
import { AnnotationToolbar } from '../annotate/AnnotationToolbar';
import { FrameStage } from '../FrameStage';
import { PlaybackNotice } from '../PlaybackNotice';
import type { FrameCacheLimits } from '../player/frame-cache';
import type { FramePlayer } from '../player/frame-player';
import { Transport } from '../Transport';
import type { ZoomPan } from '../use-zoom-pan';
import { useReviewStore } from './review-store';

interface Props {
  src: string;
  type: string;
  pts: number[];
  durationSeconds: number;
  frameWidth: number;
  frameHeight: number;
  cache: boolean;
  cacheLimits: FrameCacheLimits;
  colour: ColourDecision;
  /** The ready scrub proxy (jumps and steps are drawn from it). */
  proxy: { url: string; timeOffset: number } | null;
  zoomPan: ZoomPan;
  onPlayer(player: FramePlayer | null): void;
  overlay: ReactNode;
  onReopen(): void;
}

export function Viewer(p: Props) {
  const review = useReviewStore((s) => s.review);
  const final = review.status === 'final';
  return (
    <section className="viewer" aria-label="Viewer" data-testid="viewer">
      <div className="viewer-head">
        <AnnotationToolbar />
        {final && (
          <p className="locked-banner" role="status" data-testid="locked-banner">
            <span aria-hidden="true">🔒</span> Finalised by {review.finalisedBy ?? review.reviewer}
            {review.finalisedRole ? ` (${REVIEWER_ROLE_LABELS[review.finalisedRole]})` : ''} on {formatDateTime(review.finalisedAt ?? '')}: locked.
            <Button size="sm" onClick={p.onReopen} data-testid="locked-reopen">
              Reopen…
            </Button>
          </p>
        )}
      </div>
      <FrameStage
        src={p.src}
        type={p.type}
        pts={p.pts}
        durationSeconds={p.durationSeconds}
        frameWidth={p.frameWidth}
        frameHeight={p.frameHeight}
        cache={p.cache}
        cacheLimits={p.cacheLimits}
        colour={p.colour}
        {...(p.proxy ? { proxyUrl: p.proxy.url, proxyTimeOffset: p.proxy.timeOffset } : {})}
        zoomPan={p.zoomPan}
        onPlayer={p.onPlayer}
        overlay={p.overlay}
      >
        <PlaybackNotice pts={p.pts} />
      </FrameStage>
      <Transport pts={p.pts} durationSeconds={p.durationSeconds} zoomPan={p.zoomPan} />
    </section>
  );
}
