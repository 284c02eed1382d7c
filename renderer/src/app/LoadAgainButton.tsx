// "Load again": after the model was unloaded because its process kept crashing (or reloading it failed), loads the
// saved model (local files or the remote server, as in Settings) once more through inference.load.
import { useState } from 'react';
import type { Input } from '../../../electron/api/contract';
import { api } from '../api';
import { Button } from '../ui/Button';
import { useNotify } from '../ui/notify';
import { useInference } from './inference-context';
import { useSettings } from './settings-context';

export function LoadAgainButton({ size = 'sm' }: { size?: 'sm' | 'md' }) {
  const { status, setStatus } = useInference();
  const { settings } = useSettings();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  if (status?.state !== 'error') return null;
  let request: Input<'inference.load'> | null = null;
  if (settings.engine === 'remote' && settings.remoteUrl && settings.remoteModel) request = { engine: 'remote', url: settings.remoteUrl, model: settings.remoteModel };
  else if (settings.engine !== 'remote' && settings.modelPath && settings.mmprojPath) {
    request = { modelPath: settings.modelPath, mmprojPath: settings.mmprojPath, device: settings.devicePreference, contextSize: settings.contextSize };
  }
  if (!request) return null;
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
