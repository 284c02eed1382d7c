// Before "Analyse video": how many samples the chosen sampling gives and how long they take on this computer, from the
// analyses that ran here with the loaded model (timeline.estimate); on the CPU, when that is long, what to do instead.
import { useEffect, useState } from 'react';
import type { TimelineEstimate as Estimate, TimelineSampling } from '../../../../electron/api/schemas-timeline';
import { api } from '../../api';
import { useInference } from '../../app/inference-context';
import { estimateText } from '../../analysis/wait-text';

export function TimelineEstimate({ reviewId, everySeconds, sampling }: { reviewId: number; everySeconds: string; sampling: TimelineSampling }) {
  const { status } = useInference();
  const ready = status?.state === 'ready';
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  useEffect(() => {
    const seconds = Number(everySeconds);
    if (!ready || !Number.isFinite(seconds) || seconds < 1 || seconds > 600) {
      setEstimate(null);
      return;
    }
    let alive = true;
    const t = setTimeout(() => {
      api.timeline.estimate({ reviewId, everySeconds: seconds, sampling }).then(
        (e) => alive && setEstimate(e),
        () => alive && setEstimate(null),
      );
    }, 200);
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [reviewId, everySeconds, sampling, ready]);
  if (!estimate) return null;
  const { text, advice } = estimateText(estimate);
  return (
    <p className="phase-timeline-estimate muted" data-testid="timeline-estimate" data-total-ms={estimate.totalMs ?? ''}>
      {text}
      {advice && (
        <>
          {' '}
          <strong className="phase-timeline-advice" data-testid="timeline-estimate-advice">
            {advice}
          </strong>
        </>
      )}
    </p>
  );
}
