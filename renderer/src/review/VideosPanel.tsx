// A case's surgery videos (shown in the case detail): add one by its path (typed, pasted, or dropped from a file
// manager), see what it is before it is accepted, convert what this app cannot play, and open a video's review.
// Files are registered where they are, never copied; checking and converting show progress and can be cancelled.
import { useCallback, useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import type { Video, VideoJobProgress, VideoProbe } from '../../../electron/api/schemas-video';
import { api } from '../api';
import { useOpenReview } from '../app/navigation';
import { Button } from '../ui/Button';
import { ConfirmDialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { formatBytes } from '../ui/format';
import { useNotify } from '../ui/notify';
import { pathFromDrop } from './drop-path';
import { askDecoder, type PlaybackAnswer } from './player/playback-support';
import { formatTimecode } from './player/timeline';
import './videos.css';
import { BrowseButton } from '../ui/BrowseButton';
import { RecordingParts } from './RecordingParts';

type Job = Pick<VideoJobProgress, 'jobId' | 'kind' | 'phase' | 'progress' | 'message'> & { fileName: string };

const PHASE_TEXT: Record<VideoJobProgress['phase'], string> = {
  probing: 'Checking the file',
  hashing: 'Fingerprinting the file',
  converting: 'Converting to H.264',
  joining: 'Joining',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const baseName = (p: string) => p.split(/[\\/]/).filter(Boolean).pop() ?? p;

function describe(v: Video): string {
  const rate = v.variableFrameRate ? 'variable frame rate' : `${v.fps.toFixed(v.fps % 1 ? 3 : 0)} fps`;
  return `${v.codec ?? 'video'} · ${v.width}×${v.height} · ${rate} · ${formatTimecode(v.durationSeconds)} · ${v.frameCount} frames · ${formatBytes(v.sizeBytes)}`;
}

/** A file the backend expected to play but this computer's decoder refuses (a codec profile, a platform without it). */
function notDecodedHere(p: VideoProbe, answer: PlaybackAnswer): string {
  const what = p.codecString ? `${p.codec ?? 'video'} (${p.codecString})` : (p.codec ?? 'this video');
  return `This computer's video decoder cannot play ${what} in ${p.container} (${answer.detail}). ${p.canConvert ? 'Convert it to H.264 (keeps the original).' : 'Export it as H.264 MP4 from the recorder.'}`;
}

export function VideosPanel({ caseId }: { caseId: number }) {
  const notify = useNotify();
  const openReview = useOpenReview();
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [path, setPath] = useState('');
  const [checking, setChecking] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [probe, setProbe] = useState<{ path: string; probe: VideoProbe; answer: PlaybackAnswer | null } | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [outcome, setOutcome] = useState<{ kind: 'failed' | 'cancelled'; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [toRemove, setToRemove] = useState<Video | null>(null);
  const events = useRef(new Map<string, VideoJobProgress>());
  const jobRef = useRef<Job | null>(null);
  jobRef.current = job;

  const load = useCallback(() => {
    api.videos
      .list({ caseId })
      .then(setVideos)
      .catch((err: unknown) => notify.error(err, 'Could not list the videos.'));
  }, [caseId, notify]);
  useEffect(load, [load]);

  const finish = useCallback(
    (e: VideoJobProgress) => {
      setJob(null);
      if (e.phase === 'done') {
        setProbe(null);
        setOutcome(null);
        setPath('');
        const name = e.video?.fileName ?? 'the video';
        notify.info(e.kind === 'convert' ? `Converted and added ${name}.` : e.kind === 'join' ? `Joined ${e.video?.parts.length ?? 'the'} parts and added ${name}.` : `Added ${name}.`);
      } else {
        setOutcome({ kind: e.phase === 'failed' ? 'failed' : 'cancelled', text: e.message ?? (e.phase === 'failed' ? 'It did not work.' : 'Cancelled.') });
      }
      load();
    },
    [load, notify],
  );

  // Progress of this panel's job; events that arrive before the job id is known are kept until it is.
  useEffect(
    () =>
      api.on('videos.jobProgress', (e) => {
        const current = jobRef.current;
        if (!current || current.jobId !== e.jobId) {
          events.current.set(e.jobId, e);
          if (events.current.size > 50) events.current.delete(events.current.keys().next().value!);
          return;
        }
        if (e.phase === 'done' || e.phase === 'failed' || e.phase === 'cancelled') finish(e);
        else setJob({ ...current, phase: e.phase, progress: e.progress, message: e.message });
        if (e.phase === 'hashing' && e.video) load();
      }),
    [finish, load],
  );

  const adopt = (jobId: string, kind: Job['kind'], file: string) => {
    const early = events.current.get(jobId);
    events.current.delete(jobId);
    const next: Job = {
      jobId,
      kind,
      phase: early?.phase ?? (kind === 'convert' ? 'converting' : 'probing'),
      progress: early?.progress ?? null,
      message: early?.message ?? null,
      fileName: kind === 'join' ? file : baseName(file),
    };
    if (early && (early.phase === 'done' || early.phase === 'failed' || early.phase === 'cancelled')) {
      finish(early);
      return;
    }
    jobRef.current = next;
    setJob(next);
  };

  const add = async (file: string) => {
    const p = file.trim();
    if (!p) {
      setFieldError('Enter the path of the video file.');
      return;
    }
    setChecking(true);
    setFieldError(null);
    setOutcome(null);
    setProbe(null);
    try {
      const probed = await api.videos.probe({ path: p });
      // This Chromium's own decoder decides whether it plays here (HEVC does on macOS and Windows, not on Linux).
      const answer = await askDecoder(probed);
      setProbe({ path: p, probe: probed, answer });
      if (answer?.plays) {
        const r = await api.videos.import({ caseId, path: p, playsHere: true });
        adopt(r.jobId, 'import', p);
      }
    } catch (err) {
      setFieldError(errorMessage(err));
    } finally {
      setChecking(false);
    }
  };

  const convert = async () => {
    if (!probe) return;
    setOutcome(null);
    try {
      const r = await api.videos.convert({ caseId, path: probe.path });
      adopt(r.jobId, 'convert', probe.path);
    } catch (err) {
      notify.error(err, 'The conversion did not start.');
    }
  };

  const cancel = async () => {
    if (!job) return;
    try {
      await api.videos.cancelJob({ jobId: job.jobId });
    } catch (err) {
      notify.error(err, 'Could not cancel.');
    }
  };

  const remove = async () => {
    const v = toRemove;
    setToRemove(null);
    if (!v) return;
    try {
      await api.videos.remove({ id: v.id });
      notify.info(`${v.fileName} removed from the case. The file itself was not touched.`);
      load();
    } catch (err) {
      notify.error(err, 'The video was not removed.');
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void add(path);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const dropped = pathFromDrop(e.dataTransfer.getData('text/uri-list'), e.dataTransfer.getData('text/plain'));
    if (dropped) {
      setPath(dropped);
      void add(dropped);
    } else if (e.dataTransfer.files.length > 0) {
      setFieldError(`The browser does not say where “${e.dataTransfer.files[0]!.name}” is. Paste the file’s full path into the field instead.`);
    }
  };

  const busy = checking || job !== null;
  // The decoder's answer wins over the backend's guess, both ways (HEVC plays where the platform decodes it).
  const plays = probe?.answer?.plays ?? false;
  const problem = !probe || plays ? null : probe.answer && probe.probe.playable ? notDecodedHere(probe.probe, probe.answer) : probe.probe.problem;
  return (
    <section
      className={`videos${dragging ? ' is-dragging' : ''}`}
      aria-label="Videos"
      data-testid="videos-panel"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="section-header">
        <h3>Videos {videos && videos.length > 0 && <span className="count">{videos.length}</span>}</h3>
      </header>

      {videos && videos.length > 0 && (
        <ul className="video-list">
          {videos.map((v) => (
            <li key={v.id} className="video-row" data-testid="video-row" data-video-id={v.id} data-file-name={v.fileName}>
              <div className="video-text">
                <span className="video-name" title={v.path}>
                  {v.fileName}
                </span>
                <span className="muted">{describe(v)}</span>
                {v.convertedFrom && <span className="muted">Converted from {baseName(v.convertedFrom)} (the original is untouched).</span>}
                {v.parts.length > 0 && (
                  <span className="muted" data-testid="video-parts" title={v.parts.map((p) => p.path).join('\n')}>
                    Joined from {v.parts.length} parts: {v.parts.map((p) => p.fileName).join(', ')}
                  </span>
                )}
                {v.fileStatus === 'missing' && <span className="video-missing">The file is no longer at {v.path}.</span>}
                {v.sha256 === null && v.fileStatus === 'ok' && <span className="muted">Fingerprinting the file…</span>}
              </div>
              <div className="video-actions">
                <Button variant="primary" size="sm" onClick={() => openReview({ caseId, videoId: v.id })} data-testid="open-review">
                  Open review
                </Button>
                <Button variant="ghost" size="sm" onClick={() => setToRemove(v)} data-testid="video-remove">
                  Remove
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}

      <form className="video-add" onSubmit={onSubmit}>
        <label htmlFor={`video-path-${caseId}`} className="field-label">
          Add a surgery video
        </label>
        <div className="video-add-row">
          <input
            id={`video-path-${caseId}`}
            type="text"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/path/to/surgery.mp4 — or drop the file here"
            disabled={busy}
            spellCheck={false}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? `video-path-error-${caseId}` : `video-path-hint-${caseId}`}
            data-testid="video-path"
          />
          <BrowseButton
            purpose="video"
            disabled={busy}
            onPath={(chosen) => {
              setPath(chosen);
              void add(chosen);
            }}
            onError={setFieldError}
          />
          <Button type="submit" busy={checking} disabled={busy || !path.trim()} data-testid="video-add">
            Check and add
          </Button>
        </div>
        {fieldError ? (
          <p className="field-error" id={`video-path-error-${caseId}`} data-testid="video-add-error" role="alert">
            {fieldError}
          </p>
        ) : (
          <p className="field-hint" id={`video-path-hint-${caseId}`}>
            The file is checked first (what it is, whether it plays here) and then used where it is; nothing is copied.
          </p>
        )}
      </form>

      <RecordingParts
        caseId={caseId}
        busy={busy}
        onStarted={(jobId, label) => {
          setOutcome(null);
          setProbe(null);
          adopt(jobId, 'join', label);
        }}
      />

      {probe && (
        <div
          className={`probe-card${plays ? '' : ' is-problem'}`}
          data-testid="video-probe"
          data-playable={plays ? 'true' : 'false'}
          data-decoder={probe.answer?.detail ?? ''}
          title={probe.answer ? `Asked this app's decoder: ${probe.answer.detail}` : undefined}
        >
          <p>
            <strong data-testid="video-probe-summary">{probe.probe.summary}</strong> <span className="muted">{baseName(probe.path)}</span>
          </p>
          {problem && (
            <p className="probe-problem" data-testid="video-probe-problem" role="alert">
              {problem}
            </p>
          )}
          {!plays && probe.probe.canConvert && !job && (
            <div className="row-actions">
              <Button variant="primary" size="sm" onClick={() => void convert()} data-testid="video-convert">
                Convert to H.264
              </Button>
              <span className="muted">A playable copy is made in the library folder; the original file is not changed.</span>
            </div>
          )}
        </div>
      )}

      {job && (
        <div className="video-job" data-testid="video-job" data-phase={job.phase} role="status">
          <span>
            {PHASE_TEXT[job.phase]} {job.fileName}
            {job.progress !== null && ` — ${Math.round(job.progress * 100)}%`}…
          </span>
          <progress max={1} value={job.progress ?? undefined} data-testid="video-job-progress" />
          <Button size="sm" onClick={() => void cancel()} data-testid="video-job-cancel">
            Cancel
          </Button>
        </div>
      )}
      {outcome && (
        <p className={outcome.kind === 'failed' ? 'field-error' : 'muted'} data-testid="video-job-message" data-outcome={outcome.kind} role="status">
          {outcome.text}
        </p>
      )}
      {videos && videos.length === 0 && !probe && !job && <p className="muted">No video yet. Add the recorded surgery to review it frame by frame.</p>}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop the video file to add it to this case
        </div>
      )}
      <ConfirmDialog
        open={toRemove !== null}
        title="Remove video?"
        danger
        confirmLabel="Remove video"
        message={
          <p>
            Remove <strong>{toRemove?.fileName}</strong> from this case? Its review, captured frames and their analyses are removed from the library. The video file
            itself stays where it is.
          </p>
        }
        onConfirm={() => void remove()}
        onCancel={() => setToRemove(null)}
      />
    </section>
  );
}
