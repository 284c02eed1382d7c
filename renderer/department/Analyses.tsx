// Ask the model about the selected frame (the department server's shared engine), and the frame's analyses: those
// asked here (who asked, when, which model on which engine) and those published from the workstation. Every piece of
// model text carries "Research use only — not for clinical decisions".
import { splitStreamSections } from '../../electron/api/analysis-text';
import { formatTime, type ProvenanceShown, type PublishedAnalysis, type PublishedFrame, type ServerStatus, type StoredAnalysis } from './api';
import { jobRunning, type AnalysisJob } from './analysis-job';

const RUO = 'Research use only — not for clinical decisions';

function ResearchOnly() {
  return <span className="dept-ruo">{RUO}</span>;
}

/** Thinking (folded) and the final answer, as plain text. */
function AnswerText({ thinking, answer }: { thinking: string | null; answer: string }) {
  return (
    <div className="dept-ai-text">
      {thinking && (
        <details className="dept-thinking">
          <summary>Thinking process</summary>
          <p>{thinking}</p>
        </details>
      )}
      <p className="dept-answer">{answer || <span className="muted">(no answer text)</span>}</p>
    </div>
  );
}

/** The model's name, and the engine that ran it, from an analysis's provenance. */
function provenanceOf(p: ProvenanceShown | null): { model: string; engine: string | null } {
  const model = p?.modelName ?? p?.remoteModel ?? p?.modelFile ?? 'Model not recorded';
  const engine = [p?.engine, p?.engineVersion].filter(Boolean).join(' ');
  return { model, engine: engine || null };
}

function Card({ source, p, thinking, answer, meta }: { source: string; p: ProvenanceShown | null; thinking: string | null; answer: string; meta: string }) {
  const { model, engine } = provenanceOf(p);
  return (
    <li className="dept-analysis card" data-testid="analysis">
      <div className="dept-analysis-head">
        <span className="pill">{source}</span>
        <span className="dept-analysis-model">{model}</span>
        <ResearchOnly />
      </div>
      <AnswerText thinking={thinking} answer={answer} />
      <p className="dept-meta">{engine ? `${engine} · ${meta}` : meta}</p>
    </li>
  );
}

function StoredCard({ a }: { a: StoredAnalysis }) {
  const cut = a.stopReason === 'max-tokens' || a.stopReason === 'length' ? ' · cut off at the length limit' : '';
  return <Card source="Department" p={a.provenance} thinking={a.thinking} answer={a.answer} meta={`Asked by ${a.askedBy.displayName}, ${formatTime(a.askedAt)}${cut}`} />;
}

function PublishedCard({ a, reviewer }: { a: PublishedAnalysis; reviewer: string }) {
  const p = a.provenance && typeof a.provenance === 'object' ? (a.provenance as ProvenanceShown) : null;
  return <Card source="Workstation" p={p} thinking={a.thinking} answer={a.answer} meta={`Published with the review of ${reviewer} · ${a.status}, ${formatTime(a.completedAt)}`} />;
}

const PHASE_TEXT: Record<'sending' | 'answering', string> = { sending: 'Sending the frame…', answering: 'The model is answering…' };

function JobCard({ job, onCancel, onDismiss }: { job: AnalysisJob; onCancel(): void; onDismiss(): void }) {
  const running = jobRunning(job);
  const s = splitStreamSections(job.text);
  const waiting = job.phase === 'queued';
  return (
    <div className={`dept-job card dept-job-${job.phase}`} data-testid="analysis-job" aria-live="polite">
      <div className="dept-analysis-head">
        {running && <span className="spinner" aria-hidden="true" />}
        <strong>
          {waiting
            ? job.position > 0
              ? `Waiting — ${job.position} ahead of you`
              : 'Waiting for the model…'
            : job.phase === 'sending' || job.phase === 'answering'
              ? PHASE_TEXT[job.phase]
              : job.phase === 'cancelled'
                ? 'Cancelled'
                : job.phase === 'failed'
                  ? 'The analysis did not complete'
                  : 'Answer stored with the frame’s analyses'}
        </strong>
        <span className="muted">Frame {job.frameIndex}</span>
        {job.text && job.phase !== 'done' && <ResearchOnly />}
        <span className="dept-job-actions">
          {running ? (
            <button type="button" className="btn btn-sm" disabled={job.jobId === null} onClick={onCancel}>
              Cancel
            </button>
          ) : (
            <button type="button" className="btn btn-sm btn-ghost" onClick={onDismiss}>
              Dismiss
            </button>
          )}
        </span>
      </div>
      {job.message && (
        <p className="dept-error" role="alert">
          {job.message}
        </p>
      )}
      {job.phase !== 'done' && job.text && (
        <div className="dept-ai-text dept-stream" data-testid="analysis-stream">
          {s.thinking !== null && (
            <>
              <p className="field-label">Thinking process</p>
              <p>{s.thinking}</p>
            </>
          )}
          {s.answer !== null && (
            <>
              <p className="field-label">Final answer</p>
              <p className="dept-answer">{s.answer}</p>
            </>
          )}
          {s.thinking === null && s.answer === null && <p>{s.preamble}</p>}
        </div>
      )}
    </div>
  );
}

export interface AnalysesProps {
  frame: PublishedFrame;
  status: ServerStatus | null;
  stored: StoredAnalysis[];
  published: PublishedAnalysis[];
  reviewer: string;
  job: AnalysisJob | null;
  onAnalyse(): void;
  onCancel(): void;
  onDismiss(): void;
}

export function Analyses({ frame, status, stored, published, reviewer, job, onAnalyse, onCancel, onDismiss }: AnalysesProps) {
  const mine = stored.filter((a) => a.frameIndex === frame.frameIndex);
  const theirs = published.filter((a) => a.frameIndex === frame.frameIndex);
  const noEngine = status !== null && status.engine === null;
  return (
    <section className="dept-ask" aria-labelledby="ask-title">
      <div className="dept-ask-head">
        <h2 id="ask-title" className="dept-section-title">
          Analyses of frame {frame.frameIndex} <span className="count">{mine.length + theirs.length}</span>
        </h2>
        <button type="button" className="btn btn-primary" disabled={noEngine || jobRunning(job)} onClick={onAnalyse} aria-describedby={noEngine ? 'no-engine' : undefined}>
          Analyse frame
        </button>
      </div>
      {noEngine && (
        <p id="no-engine" className="dept-explain">
          This department server has no model engine configured, so it cannot analyse frames. Ask its administrator to start it with --engine-url (the
          department’s vLLM or llama-server).
        </p>
      )}
      {job && <JobCard job={job} onCancel={onCancel} onDismiss={onDismiss} />}
      {mine.length + theirs.length === 0 ? (
        <p className="muted dept-empty">No analyses of this frame yet.</p>
      ) : (
        <ul className="dept-analyses">
          {theirs.map((a) => (
            <PublishedCard key={`p${a.sourceId}`} a={a} reviewer={reviewer} />
          ))}
          {mine.map((a) => (
            <StoredCard key={a.id} a={a} />
          ))}
        </ul>
      )}
    </section>
  );
}
