// The dock's time ruler: ticks at whole seconds or minutes, or at each frame (pts[k], exact) when zoomed in far
// enough to tell frames apart, labelled with the frame number and its timecode.
import { memo } from 'react';
import { rulerTicks, type TimelineWindow } from './timeline-view';

export const Ruler = memo(function Ruler({ win, width, pts, frame }: { win: TimelineWindow; width: number; pts: readonly number[]; frame: number }) {
  const ticks = width > 0 ? rulerTicks(win, width, pts, frame) : [];
  const frames = ticks.some((t) => t.major && t.label?.includes('·'));
  // Frame numbers on minor ticks (deep zoom) are drawn small.
  return (
    <div className="dock-ruler" data-testid="dock-ruler" data-unit={frames ? 'frames' : 'seconds'} aria-hidden="true">
      {ticks.map((t) => (
        <span
          key={`${t.major ? 'M' : 'm'}${t.frame}-${t.x.toFixed(1)}`}
          className={`tick${t.major ? ' is-major' : ''}`}
          style={{ transform: `translateX(${t.x.toFixed(2)}px)` }}
          data-testid={t.major ? 'ruler-tick' : undefined}
          data-frame={t.frame}
        >
          {t.label && <span className={`tick-label${t.major ? '' : ' is-minor'}`}>{t.label}</span>}
        </span>
      ))}
    </div>
  );
});
