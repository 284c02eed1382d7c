// "Load again": after the model was unloaded because its process kept crashing (or reloading it failed), loads the
// saved model (local files, the remote server or the department's engine, as saved in the settings) once more through inference.load.
import { useEffect, useState } from 'react';
import type { Input } from '../../../electron/api/contract';
import type { Settings } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { useNotify } from '../ui/notify';
import { useInference } from './inference-context';

/** What inference.load needs to load the saved model again; null when nothing is saved. */
function savedLoad(s: Settings): Input<'inference.load'> | null {
  if (s.engine === 'department') return { engine: 'department' };
  if (s.engine === 'remote') return s.remoteUrl && s.remoteModel ? { engine: 'remote', url: s.remoteUrl, model: s.remoteModel } : null;
  return s.modelPath && s.mmprojPath ? { modelPath: s.modelPath, mmprojPath: s.mmprojPath, device: s.devicePreference, contextSize: s.contextSize } : null;
}

export function LoadAgainButton({ size = 'sm' }: { size?: 'sm' | 'md' }) {
  const { status, setStatus } = useInference();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [request, setRequest] = useState<Input<'inference.load'> | null>(null);
  const failed = status?.state === 'error';
  // The saved settings as they are now (the model may have been loaded from another window or the CLI).
  useEffect(() => {
    if (!failed) return;
    let alive = true;
    api.settings
      .get({})
      .then((s) => alive && setRequest(savedLoad(s)))
      .catch(() => alive && setRequest(null));
    return () => {
      alive = false;
    };
  }, [failed]);
  if (!failed || !request) return null;
  const go = async () => {
    setBusy(true);
    try {
      setStatus(await api.inference.load(request));
    } catch (err) {
      notify.error(err, 'The model could not be loaded');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size={size} variant="primary" busy={busy} onClick={() => void go()} data-testid="load-again">
      Load again
    </Button>
  );
}
