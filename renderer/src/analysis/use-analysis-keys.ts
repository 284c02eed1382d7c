// Keyboard: A analyses the selected frame, Esc cancels its running analysis; not while typing or in a dialog.
import { useEffect, useRef } from 'react';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'file', 'submit', 'reset', 'range', 'color'].includes(target.type);
  return false;
}

export function useAnalysisKeys(handlers: { onAnalyze: () => void; onCancel: (() => void) | null }) {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
      if (e.key === 'a' || e.key === 'A') {
        e.preventDefault();
        ref.current.onAnalyze();
      } else if (e.key === 'Escape' && ref.current.onCancel) {
        e.preventDefault();
        ref.current.onCancel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
