// One transport for two players: side B follows side A at a fixed frame offset (B = A + offset). Aligning sets the
// offset (at the frames each side shows, or at a chosen frame in each, e.g. the start of the same phase); stepping,
// jumping and playing move both and keep it. Frames, not seconds, are paired: a step is one frame on each side, also
// when the two recordings' frame rates differ. Each player stays the review's own FramePlayer (exact frames).
import type { Segment } from '../../../electron/api/schemas-review';

/** What the sync needs of a player (FramePlayer has all of it). */
export interface SyncPlayer {
  getState(): { index: number; frameCount: number; playing: boolean; reverseRate: number };
  goTo(k: number, how?: 'step' | 'seek'): void;
  play(): Promise<void>;
  pause(): Promise<void>;
  /** Playback speed (1 = real time); compare nudges B's while both play to keep the pair in step. */
  setRate(rate: number): void;
  whenSettled(): Promise<void>;
}

/** The frames of A for which both A and A + offset exist: [lo, hi] (empty when lo > hi). */
export function pairedRange(countA: number, countB: number, offset: number): { lo: number; hi: number } {
  return { lo: Math.max(0, -offset), hi: Math.min(countA - 1, countB - 1 - offset) };
}

/** Where a move lands on both sides: A's target clamped to the paired range, B at A + offset. Null when nothing pairs. */
export function pairedTarget(targetA: number, countA: number, countB: number, offset: number): { a: number; b: number } | null {
  const { lo, hi } = pairedRange(countA, countB, offset);
  if (lo > hi) return null;
  const a = Math.max(lo, Math.min(hi, Math.round(targetA)));
  return { a, b: a + offset };
}

export interface PhaseStart {
  phase: string;
  a: number;
  b: number;
}

/** The phases both reviews have a segment of, each at the start of its first segment on each side, in A's order. */
export function commonPhaseStarts(segmentsA: readonly Segment[], segmentsB: readonly Segment[]): PhaseStart[] {
  const first = (list: readonly Segment[]) => {
    const m = new Map<string, number>();
    for (const s of list) if (s.phase && (m.get(s.phase) ?? Infinity) > s.startFrame) m.set(s.phase, s.startFrame);
    return m;
  };
  const a = first(segmentsA);
  const b = first(segmentsB);
  return [...a.entries()]
    .filter(([phase]) => b.has(phase))
    .sort((x, y) => x[1] - y[1])
    .map(([phase, start]) => ({ phase, a: start, b: b.get(phase)! }));
}

export class CompareSync {
  private offsetValue: number;
  private listeners = new Set<() => void>();
  private phase: 'idle' | 'starting' | 'playing' = 'idle';
  /** B's speed while both play: 1, or a little faster or slower while it catches up with A + offset. */
  private bRate = 1;

  constructor(
    readonly a: SyncPlayer,
    readonly b: SyncPlayer,
  ) {
    this.offsetValue = b.getState().index - a.getState().index;
  }

  /** B's frame minus A's frame while linked. */
  get offset(): number {
    return this.offsetValue;
  }

  /** Both playing (or about to start). */
  get playing(): boolean {
    return this.phase !== 'idle';
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /** Links the two at frame `ka` of A and `kb` of B (both shown; later moves keep kb − ka). */
  alignAt(ka: number, kb: number): void {
    const na = this.a.getState().frameCount;
    const nb = this.b.getState().frameCount;
    const a = Math.max(0, Math.min(na - 1, Math.round(ka)));
    const b = Math.max(0, Math.min(nb - 1, Math.round(kb)));
    this.offsetValue = b - a;
    void this.stopPlaying().then(() => {
      this.a.goTo(a, 'seek');
      this.b.goTo(b, 'seek');
    });
    this.emit();
  }

  /** Moves one side only (choosing its frame): the link is made again at the new pair of frames. */
  moveSide(side: 'a' | 'b', k: number, how: 'step' | 'seek' = 'seek'): void {
    void this.stopPlaying().then(() => {
      const p = side === 'a' ? this.a : this.b;
      const n = p.getState().frameCount;
      const t = Math.max(0, Math.min(n - 1, Math.round(k)));
      p.goTo(t, how);
      const ka = side === 'a' ? t : this.a.getState().index;
      const kb = side === 'b' ? t : this.b.getState().index;
      this.offsetValue = kb - ka;
      this.emit();
    });
  }

  /** Shows frame `ka` of A and A + offset of B (clamped so that both exist). */
  goTo(ka: number, how: 'step' | 'seek' = 'seek'): void {
    const t = pairedTarget(ka, this.a.getState().frameCount, this.b.getState().frameCount, this.offsetValue);
    if (!t) return;
    this.a.goTo(t.a, how);
    this.b.goTo(t.b, how);
    this.emit();
  }

  /** ±n frames on both sides (from the frames asked for, so a held key never loses a step). */
  step(delta: number): void {
    const run = () => this.goTo(this.a.getState().index + delta, Math.abs(delta) <= 1 ? 'step' : 'seek');
    if (this.playing || this.a.getState().playing || this.b.getState().playing) void this.stopPlaying().then(run);
    else run();
  }

  /** The first and last frames of A that still pair with a frame of B. */
  range(): { lo: number; hi: number } {
    return pairedRange(this.a.getState().frameCount, this.b.getState().frameCount, this.offsetValue);
  }

  togglePlay(): void {
    if (this.phase !== 'idle') void this.stopPlaying();
    else void this.play();
  }

  /** Plays both from the paired frames (each waits for its frame first, then both start together). */
  async play(): Promise<void> {
    if (this.phase !== 'idle') return;
    const { lo, hi } = this.range();
    if (this.a.getState().index >= hi) this.goTo(lo, 'seek');
    this.phase = 'starting';
    this.emit();
    await Promise.all([this.a.whenSettled(), this.b.whenSettled()]);
    if (this.phase !== 'starting') return;
    await Promise.all([this.a.play(), this.b.play()]);
    if (this.phase === 'starting') this.phase = 'playing';
    else await this.stopPlaying(true); // stopped while starting
  }

  /** Pauses both, then puts B back at A + offset exactly (two decoders never keep perfect step while playing). */
  async stopPlaying(force = false): Promise<void> {
    const wasPlaying = force || this.phase !== 'idle' || this.a.getState().playing || this.b.getState().playing;
    this.phase = 'idle';
    this.setBRate(1);
    if (!wasPlaying) return;
    this.emit();
    await Promise.all([this.a.pause(), this.b.pause()]);
    this.goTo(this.a.getState().index, 'seek');
    await Promise.all([this.a.whenSettled(), this.b.whenSettled()]);
    this.emit();
  }

  /** Call on every change of either player: when one stops by itself (the end of its video), both stop on a pair. */
  onPlayerChange(): void {
    if (this.phase !== 'playing') return;
    if (!this.a.getState().playing || !this.b.getState().playing) void this.stopPlaying();
    else this.keepInStep();
  }

  /**
   * While both play, each video runs on its own clock and they drift apart. When B is 2 or more frames from A + offset,
   * it plays 10 % faster or slower until it is back on its frame (no seek: the picture keeps moving smoothly).
   */
  private keepInStep(): void {
    const drift = this.b.getState().index - this.a.getState().index - this.offsetValue;
    let want = this.bRate;
    if (drift <= -2) want = 1.1;
    else if (drift >= 2) want = 0.9;
    else if ((this.bRate > 1 && drift >= 0) || (this.bRate < 1 && drift <= 0)) want = 1;
    this.setBRate(want);
  }

  private setBRate(rate: number): void {
    if (rate === this.bRate) return;
    this.bRate = rate;
    this.b.setRate(rate);
  }
}
