// "Ask about this frame": follow-up questions below a completed analysis. The conversation (each question, the
// model's streamed answer, its timings) is stored with the analysis; Enter sends, Esc cancels (while typing: clears
// the question; while an answer streams: stops it). Chips offer an educator's usual questions (resources/).
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Analysis, AnalysisTurn } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { formatMs } from '../ui/format';
import { useNotify } from '../ui/notify';
import { AiLabel } from './AnalysisOutput';
import { isTerminal, jobsStore } from './jobs-store';

function turnFacts(t: AnalysisTurn): string {
  const parts = [`first token ${formatMs(t.timings.timeToFirstTokenMs)}`];
  if (t.timings.imageEncoded === false) parts.push('image not encoded again (kept context)');
  else if (t.timings.encodeMs) parts.push(`image encode ${formatMs(t.timings.encodeMs)}`);
  parts.push(`${t.timings.generatedTokens} / ${t.params.maxTokens} tokens`);
  if (t.timings.cutByContext) parts.push("cut: the server's context ran out");
  return parts.join(' · ');
}

function TurnView({ turn, onRerun, onDelete, busy }: { turn: AnalysisTurn; onRerun: () => void; onDelete: () => void; busy: boolean }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li className={`turn turn-${turn.status}`} data-testid="follow-up-turn" data-status={turn.status} data-position={turn.position}>
      <p className="turn-question">
        <span className="turn-who">You asked</span> {turn.question}
      </p>
      <div className="turn-answer">
        {turn.answer ? <div className="out-text" data-testid="follow-up-answer">{turn.answer}</div> : <p className="out-empty">No text was generated.</p>}
        {turn.status !== 'completed' && (
          <p className="turn-status" role="note">
            {turn.status === 'cancelled' ? 'Cancelled: not used as context for later questions.' : `Failed: ${turn.error ?? 'unknown error'}`}
          </p>
        )}
        <p className="turn-facts muted" data-testid="follow-up-facts">
          {turnFacts(turn)}
        </p>
      </div>
      <div className="turn-actions">
        {confirming ? (
          <>
            <span className="muted">Delete this question and every later one?</span>
            <Button onClick={() => { setConfirming(false); onDelete(); }} data-testid="confirm-delete-turn">Delete</Button>
            <Button onClick={() => setConfirming(false)}>Keep</Button>
          </>
        ) : (
          <>
            <Button onClick={onRerun} disabled={busy} data-testid="rerun-turn" title="Ask this question again (later questions are removed: they followed this answer)">
              Re-run
            </Button>
            <Button onClick={() => setConfirming(true)} disabled={busy} data-testid="delete-turn">
              Delete
            </Button>
          </>
        )}
      </div>
    </li>
  );
}

export function FollowUps({ analysis, ready }: { analysis: Analysis; ready: boolean }) {
  const notify = useNotify();
  const [turns, setTurns] = useState<AnalysisTurn[]>([]);
  const [chips, setChips] = useState<string[]>([]);
  const [question, setQuestion] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [asked, setAsked] = useState('');
  const [sending, setSending] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const job = useSyncExternalStore(jobsStore.subscribe, () => (jobId ? jobsStore.get(jobId) : null));
  const active = !!job && !isTerminal(job.status);

  const load = useCallback(() => {
    api.analysis
      .turns({ analysisId: analysis.id })
      .then(setTurns)
      .catch((err: unknown) => notify.error(err, 'Could not load the follow-up questions.'));
  }, [analysis.id, notify]);
  useEffect(() => load(), [load]);
  useEffect(() => {
    api.analysis.followUpChips({}).then(setChips).catch(() => setChips([]));
  }, []);
  const finished = job && isTerminal(job.status) ? job.jobId : null;
  useEffect(() => {
    if (finished) load();
  }, [finished, load]);

  const send = useCallback(
    async (text: string) => {
      const q = text.trim();
      if (!q || active || sending || !ready) return;
      setSending(true);
      try {
        const r = await api.analysis.ask({ analysisId: analysis.id, question: q });
        jobsStore.adoptFollowUp(r.jobId, analysis.frameId, r.queuePosition);
        setAsked(q);
        setJobId(r.jobId);
        setQuestion('');
      } catch (err) {
        notify.error(err, 'The question was not sent.');
      } finally {
        setSending(false);
      }
    },
    [active, sending, ready, analysis.id, analysis.frameId, notify],
  );

  const cancel = useCallback(async () => {
    if (!job || !active) return;
    try {
      await api.analysis.cancel({ jobId: job.jobId });
    } catch (err) {
      notify.error(err, 'The answer was not cancelled.');
    }
  }, [job, active, notify]);

  // Esc stops a streaming answer (the question box handles its own Esc).
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || e.target === input.current || document.querySelector('dialog[open]')) return;
      e.preventDefault();
      void cancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, cancel]);

  const remove = useCallback(
    async (t: AnalysisTurn) => {
      try {
        await api.analysis.deleteTurn({ turnId: t.id });
        load();
      } catch (err) {
        notify.error(err, 'The question was not deleted.');
      }
    },
    [load, notify],
  );
  const rerun = useCallback(
    async (t: AnalysisTurn) => {
      try {
        await api.analysis.deleteTurn({ turnId: t.id });
        load();
        await send(t.question);
      } catch (err) {
        notify.error(err, 'The question was not asked again.');
      }
    },
    [load, notify, send],
  );

  const disabledWhy = !ready ? 'Load a model to ask about this frame.' : null;
  return (
    <section className="follow-ups" aria-label="Follow-up questions" data-testid="follow-ups">
      <h4>Questions about this frame</h4>
      {(turns.length > 0 || active) && <AiLabel testId="follow-up-ai-label" />}
      <ol className="turns">
        {turns.map((t) => (
          <TurnView key={t.id} turn={t} busy={active || sending} onDelete={() => void remove(t)} onRerun={() => void rerun(t)} />
        ))}
        {job && active && (
          <li className="turn turn-streaming" data-testid="follow-up-streaming" aria-busy="true">
            <p className="turn-question">
              <span className="turn-who">You asked</span> {asked}
            </p>
            <div className="turn-answer">
              {job.text ? <div className="out-text">{job.text}</div> : <p className="out-empty out-waiting">{job.status === 'queued' ? 'Waiting in the queue…' : 'Waiting for the model’s first words…'}</p>}
              <Button onClick={() => void cancel()} data-testid="cancel-follow-up" aria-keyshortcuts="Escape">
                Cancel <kbd>Esc</kbd>
              </Button>
            </div>
          </li>
        )}
      </ol>
      <form
        className="ask-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send(question);
        }}
      >
        <label htmlFor={`ask-${analysis.id}`}>Ask about this frame</label>
        <div className="ask-row">
          <input
            id={`ask-${analysis.id}`}
            ref={input}
            type="text"
            value={question}
            maxLength={2000}
            placeholder="e.g. Where is the phaco tip relative to the posterior capsule?"
            disabled={!ready || active}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setQuestion('');
                input.current?.blur();
              }
            }}
            data-testid="ask-input"
            aria-describedby={disabledWhy ? `ask-why-${analysis.id}` : undefined}
          />
          <Button type="submit" variant="primary" disabled={!ready || active || !question.trim()} busy={sending} data-testid="ask-send">
            Ask <kbd>Enter</kbd>
          </Button>
        </div>
        {disabledWhy && (
          <p className="muted" id={`ask-why-${analysis.id}`}>
            {disabledWhy}
          </p>
        )}
        {chips.length > 0 && (
          <ul className="ask-chips" aria-label="Suggested questions">
            {chips.map((c) => (
              <li key={c}>
                <button type="button" className="chip chip-question" disabled={!ready || active || sending} onClick={() => void send(c)} data-testid="ask-chip">
                  {c}
                </button>
              </li>
            ))}
          </ul>
        )}
      </form>
    </section>
  );
}
