import { useEffect, useState } from 'react';
import { api, onConnection, type ConnectionState } from '../api';
import { describeInference, useInference } from './inference-context';
import { LoadAgainButton } from './LoadAgainButton';
import { loadStepLine } from './LoadSteps';

export function StatusBar() {
  const { status } = useInference();
  const [conn, setConn] = useState<ConnectionState | null>(null);
  const [info, setInfo] = useState<string>('');
  useEffect(() => onConnection((s) => setConn(s)), []);
  useEffect(() => {
    api.app
      .info({})
      .then((i) => setInfo(`v${i.version} · ${i.transport === 'browser-host' ? 'browser host' : 'desktop'}`))
      .catch(() => setInfo(''));
  }, []);
  const state = status?.state ?? 'unknown';
  const busy = status && (status.runningAnalysisId || status.queued > 0);
  return (
    <footer className="statusbar">
      <span className={`status-dot status-${state}`} aria-hidden="true" />
      <span data-testid="inference-status" data-state={state} role="status">
        {describeInference(status)}
        {status?.state === 'ready' && status.device?.names.length ? ` (${status.device.names.join(', ')})` : ''}
      </span>
      <LoadAgainButton />
      {loadStepLine(status) && (
        <span className="status-extra" data-testid="load-step-line">
          · {loadStepLine(status)}
        </span>
      )}
      {busy && (
        <span className="status-extra">
          · analysing{status.queued > 0 ? `, ${status.queued} queued` : ''}
        </span>
      )}
      {!busy && status?.encodingAhead && (
        <span className="status-extra" data-testid="encoding-ahead" title="Encoding a captured frame while the model is idle (Settings → Idle time); anything you ask goes first.">
          · preparing captured frames
        </span>
      )}
      <span className="status-spacer" />
      {conn === 'reconnecting' && (
        <span className="status-warn" role="alert" data-testid="connection-lost">
          Connection to the workstation lost — reconnecting…
        </span>
      )}
      <span className="status-extra">{info}</span>
    </footer>
  );
}
