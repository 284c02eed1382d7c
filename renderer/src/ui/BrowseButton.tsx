// "Browse…" beside a path field: the desktop app's own file dialog (app.choosePath). Shown only in the desktop app;
// the browser host has no dialog, and there the field (and drop) is the way in.
import { useEffect, useState } from 'react';
import type { PathPurpose } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from './Button';
import { errorMessage } from './errors';

let transport: Promise<string | null> | null = null;
/** Whether this window is the desktop app (asked once per page). */
export function useDesktopApp(): boolean {
  const [desktop, setDesktop] = useState(false);
  useEffect(() => {
    let alive = true;
    transport ??= api.app.info({}).then(
      (info) => info.transport,
      () => null,
    );
    void transport.then((t) => alive && setDesktop(t === 'electron'));
    return () => {
      alive = false;
    };
  }, []);
  return desktop;
}

export function BrowseButton({
  purpose,
  onPath,
  onError,
  title,
  disabled,
  testId,
}: {
  purpose: PathPurpose;
  onPath: (path: string) => void;
  onError?: (message: string) => void;
  title?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const desktop = useDesktopApp();
  const [open, setOpen] = useState(false);
  if (!desktop) return null;
  const choose = async () => {
    setOpen(true);
    try {
      const { path } = await api.app.choosePath({ purpose, ...(title ? { title } : {}) });
      if (path) onPath(path);
    } catch (err) {
      onError?.(errorMessage(err));
    } finally {
      setOpen(false);
    }
  };
  return (
    <Button variant="secondary" onClick={() => void choose()} busy={open} disabled={disabled} data-testid={testId}>
      Browse…
    </Button>
  );
}
