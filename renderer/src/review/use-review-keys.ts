// The review's keyboard: Space/K play-pause, J/L shuttle, ←/→ one frame (held: keeps stepping), Shift+←/→ one
// second, Home/End, ↑/↓ previous/next marker, +/− zoom, 0 fit, C capture, ? the shortcut sheet. Never while typing
// in a field or with a dialog open. A (analyse) belongs to the analysis panel. The keys and their words are listed
// once, in workspace/shortcuts.ts.
import { useEffect, useRef } from 'react';
import type { FramePlayer } from './player/frame-player';
import type { ZoomPan } from './use-zoom-pan';
import { isTyping } from './workspace/shortcuts';

/** Space would also press a focused button or toggle a focused checkbox: let the control have it. */
function spaceBelongsToControl(target: EventTarget | null): boolean {
  return target instanceof HTMLButtonElement || target instanceof HTMLInputElement || target instanceof HTMLAnchorElement || (target instanceof HTMLElement && target.tagName === 'SUMMARY');
}

interface Handlers {
  player: FramePlayer | null;
  zoomPan: ZoomPan;
  onCapture: () => void;
  /** ↑ (-1) / ↓ (+1): the previous or next marker on the timeline. */
  onMarker?: (direction: -1 | 1) => void;
  /** ?: the shortcut sheet. */
  onHelp?: () => void;
}

export function useReviewKeys(handlers: Handlers) {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
      const { player, zoomPan, onCapture, onMarker, onHelp } = ref.current;
      if (e.key === '?' && onHelp) {
        e.preventDefault();
        onHelp();
        return;
      }
      if (!player) return;
      const key = e.key;
      let handled = true;
      switch (key) {
        case 'ArrowUp':
        case 'ArrowDown':
          if (onMarker && !e.shiftKey) onMarker(key === 'ArrowUp' ? -1 : 1);
          else handled = false;
          break;
        case ' ':
          if (spaceBelongsToControl(e.target) || e.repeat) handled = false;
          else player.togglePlay();
          break;
        case 'k':
        case 'K':
          if (!e.repeat) player.togglePlay();
          break;
        case 'j':
        case 'J':
          if (!e.repeat) player.shuttleBackward();
          break;
        case 'l':
        case 'L':
          if (!e.repeat) player.shuttleForward();
          break;
        case 'ArrowLeft':
          if (e.shiftKey) player.stepSeconds(-1);
          else player.step(-1);
          break;
        case 'ArrowRight':
          if (e.shiftKey) player.stepSeconds(1);
          else player.step(1);
          break;
        case 'Home':
          player.goTo(0);
          break;
        case 'End':
          player.goTo(player.frameCount - 1);
          break;
        case '+':
        case '=':
          zoomPan.zoomBy(1.25);
          break;
        case '-':
        case '_':
          zoomPan.zoomBy(1 / 1.25);
          break;
        case '0':
          zoomPan.fit();
          break;
        case 'c':
        case 'C':
          if (!e.repeat) onCapture();
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
