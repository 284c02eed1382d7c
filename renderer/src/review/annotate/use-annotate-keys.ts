// Keys of the annotation layer and the segments: V/B/R/E/F/T tools, Delete removes the selected annotation,
// Escape lets go of the selection (and the tool), Ctrl+Z undo, Ctrl+Shift+Z (or Ctrl+Y) redo; I and O mark a
// segment's in and out at the frame the reviewer is on. Never while typing in a field or with a dialog open. On a
// locked (finalised) review the drawing tools and I/O say why they do nothing.
import { useEffect, useRef } from 'react';
import { isTyping } from '../workspace/shortcuts';
import type { Annotate, Tool } from './annotate-context';

const TOOL_KEYS: Record<string, Tool> = { v: 'select', b: 'box', r: 'arrow', e: 'ellipse', f: 'freehand', t: 'text' };

export function useAnnotateKeys(annotate: Annotate) {
  const ref = useRef(annotate);
  ref.current = annotate;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
      const a = ref.current;
      const key = e.key.toLowerCase();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && key === 'z') {
        e.preventDefault();
        void (e.shiftKey ? a.session.redo() : a.session.undo()).then((f) => f !== null && a.showFrame(f)).catch(() => {});
        return;
      }
      if (mod && key === 'y') {
        e.preventDefault();
        void a.session
          .redo()
          .then((f) => f !== null && a.showFrame(f))
          .catch(() => {});
        return;
      }
      if (mod || e.repeat) return;
      if (TOOL_KEYS[key] && !e.shiftKey) {
        if (a.readOnly && TOOL_KEYS[key] !== 'select') {
          e.preventDefault();
          a.refuseLocked();
          return;
        }
        e.preventDefault();
        a.setTool(TOOL_KEYS[key]);
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && a.selectedId !== null && !a.readOnly) {
        e.preventDefault();
        const id = a.selectedId;
        a.select(null);
        void a.session.remove(id).catch(() => {});
      } else if (e.key === 'Escape') {
        if (a.selectedId !== null) a.select(null);
        else if (a.tool !== 'select') a.setTool('select');
        else if (a.segments.markIn !== null || a.segments.markOut !== null) {
          a.segments.setMarkIn(null);
          a.segments.setMarkOut(null);
        }
      } else if ((key === 'i' || key === 'o') && a.readOnly) {
        e.preventDefault();
        a.refuseLocked();
      } else if (key === 'i') {
        // The frame the reviewer is on (the player's target), not the last one confirmed: pressed right after a
        // move, I and O mark where the reviewer went, never the frame before it.
        e.preventDefault();
        const k = a.targetIndex();
        a.segments.setMarkIn(k);
        if (a.segments.markOut !== null && a.segments.markOut < k) a.segments.setMarkOut(null);
      } else if (key === 'o') {
        e.preventDefault();
        const k = a.targetIndex();
        a.segments.setMarkOut(k);
        if (a.segments.markIn !== null && a.segments.markIn > k) a.segments.setMarkIn(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
