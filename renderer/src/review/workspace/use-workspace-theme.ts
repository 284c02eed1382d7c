// The review workspace's own theme while it is shown: dark by default (a viewing room), light, or the app's.
import { useEffect } from 'react';
import type { Settings } from '../../../../electron/api/schemas';
import { useSettings } from '../../app/settings-context';

export function useWorkspaceTheme(theme: Settings['reviewTheme']): void {
  const { setThemeOverride } = useSettings();
  useEffect(() => {
    setThemeOverride(theme === 'app' ? null : theme);
    return () => setThemeOverride(null);
  }, [theme, setThemeOverride]);
}
