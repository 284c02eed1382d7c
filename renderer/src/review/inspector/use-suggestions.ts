// The model's suggested tags for a captured frame: from its newest completed analysis, read again when an analysis
// of that frame finishes. Each one says whether the frame already carries it (accepted).
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { SuggestedTag } from '../../../../electron/api/schemas';
import type { Tag } from '../../../../electron/api/schemas-review';
import { isTerminal, jobsStore } from '../../analysis/jobs-store';
import { api } from '../../api';

export interface Suggestion extends SuggestedTag {
  accepted: boolean;
}

export function useSuggestions(frameId: number | null, tags: readonly Tag[]): Suggestion[] {
  const [list, setList] = useState<SuggestedTag[]>([]);
  const finished = useSyncExternalStore(jobsStore.subscribe, () => {
    if (frameId === null) return '';
    const j = jobsStore.latest(frameId);
    return j && isTerminal(j.status) ? j.jobId : '';
  });
  useEffect(() => {
    if (frameId === null) {
      setList([]);
      return;
    }
    let alive = true;
    api.analysis
      .list({ frameId })
      .then((all) => {
        if (!alive) return;
        const newest = [...all].filter((x) => x.status === 'completed').sort((x, y) => y.createdAt.localeCompare(x.createdAt) || y.id - x.id)[0];
        setList(newest?.suggestedTags ?? []);
      })
      .catch(() => alive && setList([]));
    return () => {
      alive = false;
    };
  }, [frameId, finished]);
  return useMemo(
    () => list.map((s) => ({ ...s, accepted: tags.some((t) => t.frameId === frameId && t.kind === s.kind && t.value === s.id) })),
    [list, tags, frameId],
  );
}
