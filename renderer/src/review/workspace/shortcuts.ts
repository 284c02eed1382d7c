// Every key of the review screen, in one table: the shortcut sheet (?) lists it, and tooltips take their key from
// it (tip('capture') → "Capture the frame on screen (C)"), so a key is never documented in two places.
export interface Shortcut {
  keys: string[];
  label: string;
}

export const SHORTCUTS = {
  playPause: { keys: ['Space', 'K'], label: 'Play / pause' },
  reverse: { keys: ['J'], label: 'Play backwards (again: 2×, 4×)' },
  forward: { keys: ['L'], label: 'Play forwards (again: 2×, 4×)' },
  prevFrame: { keys: ['←'], label: 'Previous frame (hold to keep stepping)' },
  nextFrame: { keys: ['→'], label: 'Next frame (hold to keep stepping)' },
  backSecond: { keys: ['Shift+←'], label: 'Back one second' },
  forwardSecond: { keys: ['Shift+→'], label: 'Forward one second' },
  first: { keys: ['Home'], label: 'First frame' },
  last: { keys: ['End'], label: 'Last frame' },
  prevMarker: { keys: ['↑'], label: 'Previous marker (captures, notes, samples, segment edges)' },
  nextMarker: { keys: ['↓'], label: 'Next marker' },
  zoomIn: { keys: ['+'], label: 'Zoom the frame in (on the timeline: zoom the timeline)' },
  zoomOut: { keys: ['−'], label: 'Zoom the frame out (on the timeline: zoom the timeline out)' },
  fit: { keys: ['0'], label: 'Fit the frame (on the timeline: the whole video)' },
  capture: { keys: ['C'], label: 'Capture the frame on screen' },
  analyse: { keys: ['A'], label: 'Capture and analyse the frame on screen' },
  cancel: { keys: ['Esc'], label: 'Cancel the analysis; let go of the selection or tool' },
  select: { keys: ['V'], label: 'Select and move annotations' },
  box: { keys: ['B'], label: 'Box' },
  arrow: { keys: ['R'], label: 'Arrow' },
  ellipse: { keys: ['E'], label: 'Ellipse' },
  freehand: { keys: ['F'], label: 'Freehand' },
  text: { keys: ['T'], label: 'Text' },
  remove: { keys: ['Delete'], label: 'Delete the selected annotation' },
  undo: { keys: ['Ctrl+Z'], label: 'Undo' },
  redo: { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], label: 'Redo' },
  markIn: { keys: ['I'], label: 'Mark a phase segment’s start' },
  markOut: { keys: ['O'], label: 'Mark a phase segment’s end' },
  acceptSuggestion: { keys: ['1…9'], label: 'Accept the numbered suggested tag (Tags tab)' },
  tabs: { keys: ['Alt+1…6'], label: 'Inspector: Analysis, Annotations, Tags, Notes, History, Assessment' },
  sheet: { keys: ['?'], label: 'This list of keys' },
} satisfies Record<string, Shortcut>;

export type ShortcutId = keyof typeof SHORTCUTS;

export const SHORTCUT_GROUPS: { title: string; ids: ShortcutId[] }[] = [
  { title: 'Playback', ids: ['playPause', 'reverse', 'forward', 'prevFrame', 'nextFrame', 'backSecond', 'forwardSecond', 'first', 'last'] },
  { title: 'Timeline', ids: ['prevMarker', 'nextMarker', 'markIn', 'markOut'] },
  { title: 'Viewer', ids: ['zoomIn', 'zoomOut', 'fit'] },
  { title: 'Capture and analyse', ids: ['capture', 'analyse', 'cancel'] },
  { title: 'Annotate', ids: ['select', 'box', 'arrow', 'ellipse', 'freehand', 'text', 'remove', 'undo', 'redo'] },
  { title: 'Workspace', ids: ['acceptSuggestion', 'tabs', 'sheet'] },
];

/** "Label (K)": a tooltip with the action's key(s). */
export function tip(id: ShortcutId, text: string = SHORTCUTS[id].label): string {
  return `${text} (${SHORTCUTS[id].keys.join(' or ')})`;
}

/** aria-keyshortcuts for the action (the ARIA spelling of the keys). */
export function ariaKeys(id: ShortcutId): string {
  const aria: Record<string, string> = { '←': 'ArrowLeft', '→': 'ArrowRight', '↑': 'ArrowUp', '↓': 'ArrowDown', '−': '-', Esc: 'Escape', Ctrl: 'Control' };
  return SHORTCUTS[id].keys
    .filter((k) => !k.includes('…'))
    .map((k) =>
      k
        .split('+')
        .map((p) => aria[p] ?? p)
        .join('+'),
    )
    .join(' ');
}

/** Keys never act while the reviewer types in a field (or a menu of a select is open). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'file', 'submit', 'reset', 'range', 'color'].includes(target.type);
  return false;
}
