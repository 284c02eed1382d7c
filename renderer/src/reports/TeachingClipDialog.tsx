// The review's "Teaching clip…" dialog: a range of the video (the frames typed, the frame on screen, or a phase
// segment) written as an MP4 that plays everywhere, with each annotation drawn from its frame for a hold, optional
// freezes, caption, slow motion and black-out region; then progress with Cancel and the file written.
import { useEffect, useState } from 'react';
import type { ClipCaption } from '../../../electron/api/schemas-clips';
import type { Segment } from '../../../electron/api/schemas-review';
import { api } from '../api';
import { usePlayerState } from '../review/player/player-context';
import { BrowseButton } from '../ui/BrowseButton';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { JobStatus } from './JobStatus';
import { errorMessage } from '../ui/errors';
import { useJobProgress } from '../ui/use-job-progress';
import './reports.css';


const FOLDER_KEY = 'workstation.clips.folder';
const CAPTIONS: { id: ClipCaption; label: string }[] = [
  { id: 'none', label: 'None' },
  { id: 'phase', label: 'Phase name' },
  { id: 'timecode', label: 'Video time' },
  { id: 'both', label: 'Phase and time' },
];

function loadFolder(): string {
  try {
    return window.localStorage.getItem(FOLDER_KEY) ?? window.localStorage.getItem('workstation.reports.folder') ?? '';
  } catch {
    return '';
  }
}

interface Props {
  reviewId: number;
  frameCount: number;
  fps: number;
  /** The frame on screen when the dialog opened. */
  currentFrame: number;
  onClose(): void;
}

const num = (v: string) => (v.trim() === '' ? NaN : Number(v));

export function TeachingClipDialog({ reviewId, frameCount, fps, currentFrame, onClose }: Props) {
  const last = frameCount - 1;
  const [from, setFrom] = useState(String(currentFrame));
  const [to, setTo] = useState(String(Math.min(last, currentFrame + Math.round(5 * fps) - 1)));
  const [segments, setSegments] = useState<Segment[]>([]);
  const [hold, setHold] = useState('2');
  const [freeze, setFreeze] = useState('0');
  const [caption, setCaption] = useState<ClipCaption>('none');
  const [speed, setSpeed] = useState<1 | 0.5 | 0.25>(1);
  const [audio, setAudio] = useState(false);
  const [redactOn, setRedactOn] = useState(false);
  const [redact, setRedact] = useState({ x: '0', y: '90', w: '40', h: '10' });
  const [folder, setFolder] = useState(loadFolder);
  const progress = useJobProgress('clips.progress');
  const { job, jobId } = progress;
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    api.segments.list({ reviewId }).then(setSegments, () => setSegments([]));
  }, [reviewId]);

  const f = num(from);
  const t = num(to);
  const rangeOk = Number.isInteger(f) && Number.isInteger(t) && f >= 0 && t <= last && t >= f;
  const frames = rangeOk ? t - f + 1 : 0;
  const freezeSeconds = Math.max(0, num(freeze) || 0);
  const soundAllowed = speed === 1 && freezeSeconds === 0;
  const running = job?.state === 'running' || starting;

  async function start() {
    setStartError(null);
    progress.begin();
    setStarting(true);
    try {
      try {
        window.localStorage.setItem(FOLDER_KEY, folder.trim());
      } catch {
        // remembering the folder is a convenience
      }
      const r = await api.clips.export({
        reviewId,
        folder: folder.trim(),
        options: {
          fromFrame: f,
          toFrame: t,
          holdSeconds: num(hold),
          freezeSeconds,
          caption,
          speed,
          audio: audio && soundAllowed,
          redact: redactOn ? [{ x: num(redact.x) / 100, y: num(redact.y) / 100, w: num(redact.w) / 100, h: num(redact.h) / 100 }] : [],
        },
      });
      progress.track(r.jobId, { jobId: r.jobId, reviewId, state: 'running', step: 'Starting', progress: 0, message: null, file: null, frames: null, durationSeconds: null });
    } catch (err) {
      progress.fail();
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }

  function close() {
    if (job?.state === 'running' && jobId.current) void api.clips.cancel({ jobId: jobId.current });
    onClose();
  }

  const useSegment = (id: string) => {
    const s = segments.find((x) => String(x.id) === id);
    if (!s) return;
    setFrom(String(s.startFrame));
    setTo(String(s.endFrame));
  };

  return (
    <Dialog open title="Teaching clip" onClose={close} testId="clip-dialog">
      <div className="report-export-options clip-options">
        <fieldset>
          <legend>Range (frames of this video, both included)</legend>
          <div className="clip-range">
            <label className="report-row">
              From
              <input type="number" min={0} max={last} value={from} onChange={(e) => setFrom(e.target.value)} disabled={running} data-testid="clip-from" />
            </label>
            <label className="report-row">
              To
              <input type="number" min={0} max={last} value={to} onChange={(e) => setTo(e.target.value)} disabled={running} data-testid="clip-to" />
            </label>
            {segments.length > 0 && (
              <label className="report-row">
                Segment
                <select value="" onChange={(e) => useSegment(e.target.value)} disabled={running} data-testid="clip-segment">
                  <option value="">Choose…</option>
                  {segments.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.label || s.phase || 'Segment'} · {s.startFrame}–{s.endFrame}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <p className={rangeOk ? 'muted report-small' : 'field-error report-small'} data-testid="clip-summary">
            {rangeOk ? `${frames} frames · ${(frames / fps).toFixed(2)} s of video` : `Give a range from 0 to ${last}, the last frame at or after the first.`}
          </p>
        </fieldset>
        <fieldset>
          <legend>Drawings</legend>
          <label className="report-row">
            Keep each annotation for
            <input type="number" min={0} max={60} step={0.5} value={hold} onChange={(e) => setHold(e.target.value)} disabled={running} data-testid="clip-hold" /> s
          </label>
          <label className="report-row">
            Freeze each annotated frame for
            <input type="number" min={0} max={30} step={0.5} value={freeze} onChange={(e) => setFreeze(e.target.value)} disabled={running} data-testid="clip-freeze" /> s
          </label>
        </fieldset>
        <fieldset>
          <legend>Picture and sound</legend>
          <label className="report-row">
            Caption
            <select value={caption} onChange={(e) => setCaption(e.target.value as ClipCaption)} disabled={running} data-testid="clip-caption">
              {CAPTIONS.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label className="report-row">
            Speed
            <select value={speed} onChange={(e) => setSpeed(Number(e.target.value) as 1 | 0.5 | 0.25)} disabled={running} data-testid="clip-speed">
              <option value={1}>Real time</option>
              <option value={0.5}>Half speed</option>
              <option value={0.25}>Quarter speed</option>
            </select>
          </label>
          <label className="report-check">
            <input type="checkbox" checked={audio && soundAllowed} disabled={running || !soundAllowed} onChange={(e) => setAudio(e.target.checked)} data-testid="clip-audio" />
            Keep the recording’s sound {!soundAllowed && <span className="muted">(real time without freezes only)</span>}
          </label>
          <label className="report-check">
            <input type="checkbox" checked={redactOn} disabled={running} onChange={(e) => setRedactOn(e.target.checked)} data-testid="clip-redact" />
            Black out a region (a patient label burned into the picture)
          </label>
          {redactOn && (
            <div className="clip-range" data-testid="clip-redact-region">
              {(['x', 'y', 'w', 'h'] as const).map((k) => (
                <label key={k} className="report-row">
                  {{ x: 'Left', y: 'Top', w: 'Width', h: 'Height' }[k]} %
                  <input type="number" min={0} max={100} value={redact[k]} onChange={(e) => setRedact((r) => ({ ...r, [k]: e.target.value }))} disabled={running} />
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <label className="report-row report-folder">
          Folder
          <input type="text" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/me/Teaching" spellCheck={false} disabled={running} data-testid="clip-folder" />
          <BrowseButton purpose="folder" title="Save the clip into" disabled={running} onPath={setFolder} />
        </label>
        <p className="muted report-small">H.264 MP4 named after the case code and the frames. No names, file names or other metadata go into it.</p>
      </div>

      <JobStatus
        startError={startError}
        job={job}
        testId="clip-job"
        errorTestId="clip-error"
        progressLabel="Clip progress"
        done={
          job?.state === 'completed' && (
            <p data-testid="clip-file">
              Saved <code>{job.file}</code> ({job.frames} frames, {job.durationSeconds?.toFixed(2)} s).
            </p>
          )
        }
      />

      <div className="dialog-actions">
        {job?.state === 'running' ? (
          <Button onClick={() => jobId.current && void api.clips.cancel({ jobId: jobId.current })} data-testid="clip-cancel">
            Cancel
          </Button>
        ) : (
          <Button onClick={close} data-testid="clip-close">
            Close
          </Button>
        )}
        <Button variant="primary" onClick={() => void start()} busy={running} disabled={!rangeOk || folder.trim() === ''} data-testid="clip-export">
          Make clip
        </Button>
      </div>
    </Dialog>
  );
}

/** The review toolbar's "Teaching clip…" button: the dialog opens on the frame on screen. */
export function TeachingClipButton({ reviewId, frameCount, fps }: { reviewId: number; frameCount: number; fps: number }) {
  const [openAt, setOpenAt] = useState<number | null>(null);
  const index = usePlayerState((s) => s.index, 0);
  return (
    <>
      <Button size="sm" onClick={() => setOpenAt(index)} data-testid="teaching-clip" title="Save a range of the video with your drawings as an MP4">
        Teaching clip…
      </Button>
      {openAt !== null && <TeachingClipDialog reviewId={reviewId} frameCount={frameCount} fps={fps} currentFrame={openAt} onClose={() => setOpenAt(null)} />}
    </>
  );
}
