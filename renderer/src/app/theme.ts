// Light/dark via CSS variables: <html data-theme="light|dark">, with 'system' following prefers-color-scheme.
import { useEffect, useState } from 'react';

const query = '(prefers-color-scheme: dark)';

export function useAppliedTheme(setting: 'system' | 'light' | 'dark'): 'light' | 'dark' {
  const [systemDark, setSystemDark] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const mql = window.matchMedia(query);
    const onChange = () => setSystemDark(mql.matches);
    mql.addEventListener('change', onChange);
    return () => mql.removeEventListener('change', onChange);
  }, []);
  const resolved = setting === 'system' ? (systemDark ? 'dark' : 'light') : setting;
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = resolved;
    root.dataset.themeSetting = setting;
    root.style.colorScheme = resolved;
  }, [resolved, setting]);
  return resolved;
}
