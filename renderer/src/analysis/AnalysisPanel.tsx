// "Analyze frame" for one still: start (button or A), follow the queue and the streamed text, cancel (button or
// Esc), then the final analysis and the frame's earlier analyses.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { Analysis, Frame, InferenceStatus } from '../../../electron/api/schemas';
import { api } from '../api';
import { modelReady, useInference } from '../app/inference-context';
import { useNavigate } from '../app/navigation';
import { Button } from '../ui/Button';
import { formatDateTime } from '../ui/format';
import { useNotify } from '../ui/notify';
import { AnalysisHistory } from './AnalysisHistory';
import { AnalysisOutput } from './AnalysisOutput';
import { useElapsed, useExpectedTimes } from './expected';
import { expectedText } from './wait-text';
import { FollowUps } from './FollowUps';
import { isTerminal, jobsStore, type JobState } from './jobs-store';
import { splitStreamSections, type StreamSections } from '../../../electron/api/analysis-text';
import { useAnalysisKeys } from './use-analysis-keys';
import './analysis.css';

function statusText(job: JobState | null, starting: boolean, shown: Analysis | null): string {
  if (starting && !job) return 'Starting…';
  if (!job) return shown ? `Last analysis ${shown.status}` : 'Not analysed yet';
  switch (job.status) {
    case 'queued':
      return `Queued (position ${job.queuePosition ?? '…'})`;
    case 'running':
      return job.tokenEvents > 0 ? 'Running… writing' : 'Running… encoding the image';
    case 'completed':
      return 'Completed';
    case 'cancelled':
      if (!job.message) return 'Cancelled';
      return /^cancel/i.test(job.message) ? job.message : `Cancelled: ${job.message}`;
    case 'failed': {
      const why = job.message ?? job.analysis?.error ?? 'unknown error';
      return /^fail/i.test(why) ? why : `Failed: ${why}`;
    }
  }
}

export function whyNoAnalysis(s: InferenceStatus | null): string {
  switch (s?.state) {
    case undefined:
      return 'Checking whether a model is loaded…';
    case 'loading':
      return 'The model is loading; analysis is available when it is ready.';
    case 'crashed':
      return `The model process crashed and was restarted${s.message ? ` (${s.message})` : ''}; load the model again to analyse.`;
    case 'error':
      return `The model is not available: ${s.message ?? 'unknown problem'}.`;
    default:
      return 'No model is loaded, so this image cannot be analysed yet.';
  }
}

function sectionsOf(job: JobState | null, analysis: Analysis | null): StreamSections {
  if (analysis) return { preamble: '', thinking: analysis.thinking, answer: analysis.answer || (analysis.structured ? '' : analysis.rawText) };
  return splitStreamSections(job?.text ?? '');
}

/**
 * `onAnalyze` replaces what "Analyze frame" (and A) does: the video review captures the frame on screen first and
 * starts the analysis itself (adopting the job in jobsStore so this panel streams it).
 */
export function AnalysisPanel({ frame, onAnalyze }: { frame: Frame; onAnalyze?: () => Promise<void> }) {
  const notify = useNotify();
  const navigate = useNavigate();
  const { status: inference } = useInference();
  const job = useSyncExternalStore(jobsStore.subscribe, () => jobsStore.latest(frame.id));
  const [starting, setStarting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [history, setHistory] = useState<Analysis[] | null>(null);

  const active = !!job && !isTerminal(job.status);
  const ready = modelReady(inference);
  const canAnalyze = ready && !active && !starting;

  const loadHistory = useCallback(() => {
    api.analysis
      .list({ frameId: frame.id })
      .then((list) => setHistory([...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)))
      .catch((err: unknown) => notify.error(err, 'Could not list earlier analyses.'));
  }, [frame.id, notify]);

  const finishedJob = job && isTerminal(job.status) ? job.jobId : null;
  useEffect(() => loadHistory(), [loadHistory, finishedJob]);

  const start = useCallback(async () => {
    if (!canAnalyze) return;
    setStarting(true);
    try {
      if (onAnalyze) {
        await onAnalyze();
      } else {
        const r = await api.analysis.start({ frameId: frame.id });
        jobsStore.adopt(r.jobId, frame.id, r.queuePosition);
      }
    } catch (err) {
      notify.error(err, 'The analysis did not start.');
    } finally {
      setStarting(false);
    }
  }, [canAnalyze, frame.id, notify, onAnalyze]);

  const cancel = useCallback(async () => {
    if (!job || !active || cancelling) return;
    setCancelling(true);
    try {
      const r = await api.analysis.cancel({ jobId: job.jobId });
      if (!r.cancelled) notify.info('The analysis had already finished.');
    } catch (err) {
      notify.error(err, 'The analysis was not cancelled.');
    } finally {
      setCancelling(false);
    }
  }, [job, active, cancelling, notify]);

  useAnalysisKeys({ onAnalyze: () => void start(), onCancel: active ? () => void cancel() : null });

  // The live job's output; with no job in this session, the newest stored analysis.
  const shown: Analysis | null = job ? job.analysis : (history?.[0] ?? null);
  const sections = useMemo(() => sectionsOf(job, shown), [job, shown]);
  const streaming = active;
  const hasOutput = !!job || !!shown;
  const all = history ?? [];
  const jobState = starting && !job ? 'starting' : (job?.status ?? (shown ? `stored-${shown.status}` : 'idle'));
  const running = job?.status === 'running';
  const expected = useExpectedTimes(finishedJob);
  const elapsed = useElapsed(running, job?.jobId ?? null);

  return (
    <section className="analysis-panel" aria-label="Analysis">
      <header className="analysis-header">
        <h3>Analysis</h3>
        <div className="analysis-actions">
          {active ? (
            <Button onClick={() => void cancel()} busy={cancelling} data-testid="cancel-analysis" aria-keyshortcuts="Escape">
              Cancel <kbd>Esc</kbd>
            </Button>
          ) : (
            <Button
              variant="primary"
              onClick={() => void start()}
              disabled={!canAnalyze}
              busy={starting}
              data-testid="analyze-button"
              aria-keyshortcuts="A"
              aria-describedby={!ready ? 'analyze-why' : undefined}
            >
              Analyze frame <kbd>A</kbd>
            </Button>
          )}
        </div>
      </header>
      {!ready && !active && (
        <p className="analyze-why" id="analyze-why" data-testid="analyze-disabled-reason">
          {whyNoAnalysis(inference)}{' '}
          <button type="button" className="link" onClick={() => navigate('models')} data-testid="go-to-models">
            Load a model in Models
          </button>
        </p>
      )}
      <p className={`analysis-status status-${jobState}`} data-testid="analysis-status" data-status={jobState} role="status">
        {statusText(job, starting, shown)}
        {job?.status === 'running' && job.tokenEvents > 0 && (
          <span className="muted" aria-hidden="true">
            {' '}
            ({job.tokenEvents} tokens)
          </span>
        )}
        {!job && shown && <span className="muted"> · {formatDateTime(shown.createdAt)}</span>}
      </p>
      {running && (
        <p className="analysis-expected muted" data-testid="analysis-expected" data-expected-ms={expected?.analysisMs ?? ''}>
          {expectedText(elapsed, expected, job.tokenEvents === 0)}
        </p>
      )}
      {shown && !streaming && !shown.provenance.promptLayout && (
        <p className="layout-notice" role="note" data-testid="old-layout-notice">
          This analysis was asked in an older prompt layout (no blank lines around the image), which the fine-tuned model never saw in
          training; its answer may differ from the model&apos;s intended one.{' '}
          <Button onClick={() => void start()} disabled={!canAnalyze} data-testid="rerun-old-layout">
            Analyse again with the trained layout
          </Button>
        </p>
      )}
      {hasOutput ? (
        <AnalysisOutput variant="current" streaming={streaming} waitingFor={job?.status === 'queued' ? 'queue' : 'model'} sections={sections} analysis={shown} />
      ) : (
        <p className="muted analysis-empty">
          Press <strong>Analyze frame</strong> (or <kbd>A</kbd>) to ask the local model about this image. Its reasoning and its instruction for a resident stream in here.
        </p>
      )}
      {shown && shown.status === 'completed' && !streaming && <FollowUps key={shown.id} analysis={shown} ready={ready} />}
      {all.length > 0 && <AnalysisHistory items={all} shownId={shown?.id ?? null} />}
    </section>
  );
}
