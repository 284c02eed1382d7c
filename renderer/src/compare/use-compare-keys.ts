// Compare's keyboard, the review's keys for both sides at once: ←/→ one frame, Shift+←/→ ten frames, Space/K play or
// pause, Home/End the first/last paired frame, C capture both. Never while typing or with a dialog open.
import { useEffect, useRef } from 'react';
import { isTyping } from '../review/workspace/shortcuts';
import type { CompareSync } from './compare-sync';

export function useCompareKeys(sync: CompareSync | null, onCapture: () => void): void {
  const ref = useRef({ sync, onCapture });
  useEffect(() => {
    ref.current = { sync, onCapture };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
      const { sync: s, onCapture: capture } = ref.current;
      if (!s) return;
      let handled = true;
      switch (e.key) {
        case 'ArrowLeft':
          s.step(e.shiftKey ? -10 : -1);
          break;
        case 'ArrowRight':
          s.step(e.shiftKey ? 10 : 1);
          break;
        case ' ':
          if (e.target instanceof HTMLButtonElement || e.target instanceof HTMLInputElement || e.repeat) handled = false;
          else s.togglePlay();
          break;
        case 'k':
        case 'K':
          if (!e.repeat) s.togglePlay();
          break;
        case 'Home':
          s.goTo(s.range().lo);
          break;
        case 'End':
          s.goTo(s.range().hi);
          break;
        case 'c':
        case 'C':
          if (!e.repeat) capture();
          break;
        default:
          handled = false;
      }
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
