// "Compare with…" in the review's toolbar: this review on the left, on the right another moment of the same video or
// any video of any case (its reviewer's review of it, started when there is none). Opens `#/compare/<this>/<other>`.
import { useEffect, useState } from 'react';
import type { Case } from '../../../electron/api/schemas';
import type { Video } from '../../../electron/api/schemas-video';
import { api } from '../api';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { useNotify } from '../ui/notify';
import './compare.css';

interface Props {
  reviewId: number;
  caseId: number;
  videoId: number;
}

export function CompareButton({ reviewId, caseId, videoId }: Props) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} data-testid="compare-button" title="Show another video (or another moment of this one) beside this one, stepped in sync">
        Compare with…
      </Button>
      <Dialog open={open} wide title="Compare with…" onClose={() => setOpen(false)} testId="compare-dialog">
        {open && <ComparePicker reviewId={reviewId} caseId={caseId} videoId={videoId} onDone={() => setOpen(false)} />}
      </Dialog>
    </>
  );
}

function ComparePicker({ reviewId, caseId, videoId, onDone }: Props & { onDone(): void }) {
  const notify = useNotify();
  const [cases, setCases] = useState<Case[]>([]);
  const [pickedCase, setPickedCase] = useState(caseId);
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  useEffect(() => {
    api.cases
      .list({})
      .then(setCases)
      .catch((err: unknown) => notify.error(err, 'Could not list the cases.'));
  }, [notify]);
  useEffect(() => {
    let alive = true;
    setVideos(null);
    api.videos
      .list({ caseId: pickedCase })
      .then((v) => alive && setVideos(v))
      .catch((err: unknown) => {
        if (alive) setVideos([]);
        notify.error(err, 'Could not list the videos.');
      });
    return () => {
      alive = false;
    };
  }, [pickedCase, notify]);

  const go = (other: number) => {
    onDone();
    window.location.hash = `#/compare/${reviewId}/${other}`;
  };
  const pick = async (v: Video) => {
    if (v.id === videoId && v.caseId === caseId) return go(reviewId);
    setBusy(v.id);
    try {
      const r = await api.reviews.open({ caseId: v.caseId, videoId: v.id });
      go(r.id);
    } catch (err) {
      notify.error(err, 'That video could not be opened for comparison.');
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="compare-pick">
      <p className="muted">This review is shown on the left (A). Choose what to show on the right (B); one transport steps and plays both.</p>
      <Button onClick={() => go(reviewId)} data-testid="compare-same-video">
        This video, another moment
      </Button>
      <div className="field">
        <label className="field-label" htmlFor="compare-case">
          Or a video of a case
        </label>
        <select id="compare-case" value={pickedCase} onChange={(e) => setPickedCase(Number(e.target.value))} data-testid="compare-case-select">
          {cases.length === 0 && <option value={caseId}>this case</option>}
          {cases.map((c) => (
            <option key={c.id} value={c.id}>
              {c.code}
              {c.surgeon ? ` · ${c.surgeon}` : ''}
              {c.surgeryDate ? ` · ${c.surgeryDate}` : ''}
            </option>
          ))}
        </select>
      </div>
      {videos === null ? (
        <p className="muted">Loading…</p>
      ) : videos.length === 0 ? (
        <p className="muted">This case has no videos.</p>
      ) : (
        <ul className="compare-pick-list">
          {videos.map((v) => (
            <li key={v.id}>
              <button type="button" onClick={() => void pick(v)} disabled={busy !== null} data-testid="compare-pick-video" data-file-name={v.fileName}>
                <strong>{v.fileName}</strong>
                <span className="muted">
                  {v.width}×{v.height} · {v.frameCount} frames
                  {v.id === videoId ? ' · this video' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
