// The saved settings, loaded once and shared. The theme follows the saved setting (or, while the review workspace is
// shown, its own: dark by default); the last one is also kept in localStorage so the next start paints in the right
// theme before settings.get answers.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Settings } from '../../../electron/api/schemas';
import { DEFAULT_SETTINGS } from '../../../electron/api/schemas';
import { api } from '../api';
import { useNotify } from '../ui/notify';
import { useAppliedTheme } from './theme';

type Theme = Settings['theme'];
const THEME_KEY = 'workstation.theme';

function cachedTheme(): Theme {
  try {
    const t = window.localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' || t === 'system' ? t : DEFAULT_SETTINGS.theme;
  } catch {
    return DEFAULT_SETTINGS.theme;
  }
}

function cacheTheme(theme: Theme) {
  try {
    window.localStorage.setItem(THEME_KEY, theme);
  } catch {
    /* storage unavailable: the theme still applies once settings load */
  }
}

interface SettingsContextValue {
  settings: Settings;
  loaded: boolean;
  update(patch: Partial<Settings>): Promise<Settings>;
  /** A screen's own theme while it is shown (the review workspace: dark by default); null: the app's. */
  setThemeOverride(theme: 'light' | 'dark' | null): void;
}

const SettingsContext = createContext<SettingsContextValue | null>(null);

export function useSettings(): SettingsContextValue {
  const ctx = useContext(SettingsContext);
  if (!ctx) throw new Error('useSettings outside SettingsProvider');
  return ctx;
}

export function SettingsProvider({ children }: { children: ReactNode }) {
  const notify = useNotify();
  const [settings, setSettings] = useState<Settings>(() => ({ ...DEFAULT_SETTINGS, theme: cachedTheme() }));
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let alive = true;
    api.settings
      .get({})
      .then((s) => {
        if (!alive) return;
        setSettings(s);
        cacheTheme(s.theme);
      })
      .catch((err: unknown) => alive && notify.error(err, 'Could not read settings.'))
      .finally(() => alive && setLoaded(true));
    return () => {
      alive = false;
    };
  }, [notify]);

  const update = useCallback(async (patch: Partial<Settings>) => {
    const next = await api.settings.update(patch);
    setSettings(next);
    cacheTheme(next.theme);
    return next;
  }, []);

  const [override, setThemeOverride] = useState<'light' | 'dark' | null>(null);
  useAppliedTheme(override ?? settings.theme);

  const value = useMemo(() => ({ settings, loaded, update, setThemeOverride }), [settings, loaded, update]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}
