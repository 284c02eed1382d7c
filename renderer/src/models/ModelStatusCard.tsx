import type { InferenceStatus } from '../../../electron/api/schemas';
import { LoadAgainButton } from '../app/LoadAgainButton';
import { LoadSteps } from '../app/LoadSteps';
import { formatBytes } from '../ui/format';

const STATE_LABEL: Record<InferenceStatus['state'], string> = {
  'no-model': 'No model loaded',
  loading: 'Loading',
  ready: 'Ready',
  crashed: 'Crashed — restarted',
  error: 'Error',
};

export function ModelStatusCard({ status }: { status: InferenceStatus | null }) {
  if (!status) return <p className="muted">Checking the model process…</p>;
  const d = status.device;
  const m = status.model;
  return (
    <div className="card status-card" data-testid="model-status-card" data-state={status.state}>
      <div className="status-card-head">
        <span className={`pill pill-state-${status.state}`}>{STATE_LABEL[status.state]}</span>
        {status.state === 'ready' && m && (
          <span className="status-card-line">
            {m.name}
            {d ? ` on ${d.backend.toUpperCase()}` : ''}
          </span>
        )}
      </div>
      <LoadSteps status={status} />
      {status.message && (
        <p className={status.state === 'crashed' || status.state === 'error' ? 'status-card-problem' : 'muted'} data-testid="model-status-message">
          {status.message}
        </p>
      )}
      <div className="status-card-actions">
        <LoadAgainButton />
      </div>
      <dl className="facts facts-2">
        <div>
          <dt>Model</dt>
          <dd>{m?.name ?? '—'}</dd>
        </div>
        <div>
          <dt>Device</dt>
          <dd>
            {d ? d.backend.toUpperCase() : '—'}
            {d && d.names.length > 0 && <span className="muted"> · {d.names.join(', ')}</span>}
          </dd>
        </div>
        {d?.fallbackReason && (
          <div className="fact-wide">
            <dt>Why this device</dt>
            <dd data-testid="device-fallback">{d.fallbackReason}</dd>
          </div>
        )}
        {d?.vramTotalBytes != null && (
          <div>
            <dt>GPU memory</dt>
            <dd>
              {formatBytes(d.vramUsedBytes)} used of {formatBytes(d.vramTotalBytes)}
            </dd>
          </div>
        )}
        <div>
          <dt>Image size</dt>
          <dd>{m ? `${m.imageSize}×${m.imageSize}` : '—'}</dd>
        </div>
        <div>
          <dt>Context size</dt>
          <dd>{m ? `${m.contextSize.toLocaleString()} tokens` : '—'}</dd>
        </div>
        <div>
          <dt>Work</dt>
          <dd>
            {status.runningAnalysisId ? 'Analysing' : 'Idle'}
            {status.queued > 0 ? `, ${status.queued} queued` : ''}
          </dd>
        </div>
        {m?.engine === 'remote' && (
          <div className="fact-wide">
            <dt>Server</dt>
            <dd className="paths" data-testid="model-status-server">
              <code title={m.serverUrl}>{m.serverUrl}</code> · {m.remoteModel}
            </dd>
          </div>
        )}
        {m && m.engine !== 'remote' && (
          <div className="fact-wide">
            <dt>Files</dt>
            <dd className="paths">
              <code title={m.modelPath}>{m.modelPath}</code>
              <code title={m.mmprojPath}>{m.mmprojPath}</code>
            </dd>
          </div>
        )}
      </dl>
    </div>
  );
}
