// Opens one review: by its id (its address), or the reviewer's review of a case's video (started when there is
// none). Loads the review, the video, its frame table and the case, then shows the workspace; a video whose file
// moved is re-linked first.
import { useEffect, useState } from 'react';
import { api } from '../api';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { errorMessage } from '../ui/errors';
import { useNotify } from '../ui/notify';
import { readyProxy } from './review-media';
import type { ReviewTarget } from './review-target';
import { VideoRelink } from './VideoRelink';
import { Workspace, type LoadedReview } from './workspace/Workspace';

interface Props {
  target: ReviewTarget;
  onResolved(reviewId: number): void;
  onBack(caseId: number | null): void;
}

export function ReviewSession({ target, onResolved, onBack }: Props) {
  const notify = useNotify();
  const [data, setData] = useState<LoadedReview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let alive = true;
    setLoadError(null);
    (async () => {
      const review = 'reviewId' in target ? await api.reviews.get({ id: target.reviewId }) : await api.reviews.open({ caseId: target.caseId, videoId: target.videoId });
      const [video, timeline, item, proxy] = await Promise.all([
        api.videos.get({ id: review.videoId }),
        api.videos.timeline({ id: review.videoId }),
        api.cases.get({ id: review.caseId }),
        readyProxy(review.videoId),
      ]);
      return { review, video, timeline, item, proxy };
    })()
      .then((d) => {
        if (!alive) return;
        setData(d);
        onResolved(d.review.id);
      })
      .catch((err: unknown) => alive && setLoadError(errorMessage(err)));
    return () => {
      alive = false;
    };
  }, [target, reload, onResolved]);

  const caseId = data?.item.id ?? ('caseId' in target ? target.caseId : null);
  if (loadError) {
    return (
      <div className="page">
        <EmptyState title="This review could not be opened" action={<Button onClick={() => onBack(caseId)}>Go to the Library</Button>}>
          {loadError}
        </EmptyState>
      </div>
    );
  }
  if (!data) return <p className="muted pad">Opening the review…</p>;
  if (data.video.fileStatus === 'missing') {
    return <VideoRelink video={data.video} onRelinked={() => setReload((n) => n + 1)} onBack={() => onBack(caseId)} notify={notify} />;
  }
  return <Workspace key={data.review.id} data={data} onBack={() => onBack(data.item.id)} />;
}
