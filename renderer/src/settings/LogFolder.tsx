// "Open log folder": the desktop app opens it in the file manager; the browser host cannot, so the page says where
// it is. The log holds unexpected errors with their details, for a support request (no patient data, no keys).
import { useState } from 'react';
import { api } from '../api';
import { Button } from '../ui/Button';
import { useNotify } from '../ui/notify';

export function LogFolder() {
  const notify = useNotify();
  const [folder, setFolder] = useState<string | null>(null);
  const open = async () => {
    try {
      const r = await api.app.openLogFolder({});
      if (r.opened) notify.info('The log folder is open in the file manager.');
      else setFolder(r.folder);
    } catch (err) {
      notify.error(err, 'The log folder could not be opened');
    }
  };
  return (
    <div className="fact-wide" data-testid="log-folder">
      <dt>Log</dt>
      <dd>
        <Button size="sm" onClick={() => void open()} data-testid="open-log-folder">
          Open log folder
        </Button>
        {folder && (
          <p className="muted log-folder-note" data-testid="log-folder-path">
            This browser cannot open folders on the workstation. The log files are in <code>{folder}</code>
          </p>
        )}
      </dd>
    </div>
  );
}
