// "Test": a short analysis of the bundled sample image (a drawn eye, no patient data) with the active model,
// streamed as it is generated, to show the model runs and on which device, before a real review.
import { useEffect, useRef, useState } from 'react';
import type { EventPayload } from '../../../electron/api/contract';
import { api } from '../api';
import { AiLabel } from '../analysis/AnalysisOutput';
import { Button } from '../ui/Button';
import { useNotify } from '../ui/notify';

type TestStatus = EventPayload<'models.testStatus'>;
const FINAL = new Set(['completed', 'failed', 'cancelled']);

export function ModelTest({ hasActive }: { hasActive: boolean }) {
  const notify = useNotify();
  const [jobId, setJobId] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [status, setStatus] = useState<TestStatus | null>(null);
  const [starting, setStarting] = useState(false);
  // Events can arrive before models.test answers with the job id: keep them until it is known.
  const early = useRef<{ tokens: Map<string, string>; statuses: Map<string, TestStatus> }>({ tokens: new Map(), statuses: new Map() });
  const current = useRef<string | null>(null);

  useEffect(() => {
    const offToken = api.on('models.testToken', (p) => {
      if (p.jobId === current.current) setText((t) => t + p.text);
      else early.current.tokens.set(p.jobId, (early.current.tokens.get(p.jobId) ?? '') + p.text);
    });
    const offStatus = api.on('models.testStatus', (p) => {
      if (p.jobId === current.current) {
        setStatus(p);
        if (p.status === 'completed' && p.text !== null) setText(p.text);
      } else early.current.statuses.set(p.jobId, p);
    });
    return () => {
      offToken();
      offStatus();
    };
  }, []);

  async function start() {
    setStarting(true);
    setText('');
    setStatus(null);
    try {
      const r = await api.models.test({});
      current.current = r.jobId;
      setJobId(r.jobId);
      setText(early.current.tokens.get(r.jobId) ?? '');
      const st = early.current.statuses.get(r.jobId);
      if (st) setStatus(st);
      early.current = { tokens: new Map(), statuses: new Map() };
    } catch (err) {
      notify.error(err, 'The test did not start.');
    } finally {
      setStarting(false);
    }
  }

  async function cancel() {
    if (!jobId) return;
    try {
      await api.analysis.cancel({ jobId });
    } catch (err) {
      notify.error(err, 'The test could not be cancelled.');
    }
  }

  const running = jobId !== null && (!status || !FINAL.has(status.status));
  return (
    <div className="card model-test" data-testid="model-test">
      <div className="model-test-head">
        <p className="muted">A short analysis (48 tokens at most) of a drawn sample eye, to check the active model runs and where.</p>
        <Button variant="primary" onClick={() => void start()} busy={starting || running} disabled={!hasActive} data-testid="model-test-button">
          Test
        </Button>
        {running && (
          <Button onClick={() => void cancel()} data-testid="model-test-cancel">
            Cancel
          </Button>
        )}
      </div>
      {!hasActive && <p className="muted">Activate an installed model to test it.</p>}
      {jobId && (
        <div className="model-test-output">
          <AiLabel testId="model-test-ai-label" />
          <p className={`analysis-status status-${status?.status ?? 'starting'}`} data-testid="model-test-status" data-status={status?.status ?? 'starting'}>
            {status ? status.status : 'starting'}
            {status?.device ? ` · on ${status.device}` : ''}
            {status?.modelName ? ` · ${status.modelName}` : ''}
            {status?.message ? ` · ${status.message}` : ''}
          </p>
          <div className="out-text" data-testid="model-test-text" aria-live="polite">
            {text || (running ? 'Waiting for the model’s first words…' : '')}
          </div>
        </div>
      )}
    </div>
  );
}
