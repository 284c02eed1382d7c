// Errors and recovery: a media error (or a frame that cannot be shown) is reported where it happened, in words for
// the reviewer, and the player goes back to the last good frame, reloading the dead element first; when even that
// frame fails (a frame just before a cut can depend on data after it, B-frames), a little further back each time.
import type { PlaybackProblem } from './player-types';
import type { VideoSeeker } from './video-seeker';

/** The reviewer's words for a media error of the element (MediaError.code), else the browser's message. */
export function mediaErrorMessage(code: number | null, message: string | null): string {
  return code === 3
    ? 'The video could not be decoded here: the file may be damaged or cut short.'
    : code === 4
      ? 'The video could not be opened for playback.'
      : code === 2
        ? 'The video stopped loading (network or file error).'
        : (message ?? 'The video stopped with an error.');
}

/** Frame k could not be shown (the element showed frame `got`, or nothing): the file cannot be read there. */
export function unshownFrameMessage(k: number, got: number | null): string {
  return `Frame ${k} could not be shown${got === null ? '' : ` (the video showed frame ${got} instead)`}: the file may be damaged or cut short here.`;
}

export interface RecoveryHost {
  readonly seeker: VideoSeeker;
  isDisposed(): boolean;
  /** The element is back on frame k (confirmed): make it the frame the reviewer is on. */
  wentBack(k: number): void;
  emit(): void;
}

export class PlaybackRecovery {
  /** The problem shown to the reviewer (until dismissed or replaced). */
  problem: PlaybackProblem | null = null;
  /** The recovery under way, null when none is. */
  pending: Promise<void> | null = null;

  constructor(private readonly host: RecoveryHost) {}

  /** Reports a problem where it happened and goes back to `lastGood` (reloading the element first when asked). */
  fail(p: Omit<PlaybackProblem, 'state' | 'recoveredTo'>, lastGood: number, reload: boolean): void {
    this.problem = { ...p, state: 'recovering', recoveredTo: null };
    this.host.emit();
    this.pending = this.recover(lastGood, reload).finally(() => {
      this.pending = null;
      this.host.emit();
    });
  }

  /** Forgets a problem the reviewer has seen (not one still being recovered from); true when there was one. */
  dismiss(): boolean {
    if (this.problem && this.problem.state !== 'recovering') {
      this.problem = null;
      return true;
    }
    return false;
  }

  private async recover(lastGood: number, reload: boolean): Promise<void> {
    const { seeker } = this.host;
    const problem = this.problem;
    const candidates = [...new Set([lastGood, lastGood - 4, lastGood - 15, lastGood - 60, 0].map((k) => Math.max(0, k)))];
    let back: number | null = null;
    let needReload = reload;
    for (const k of candidates) {
      if (this.host.isDisposed()) return;
      // A source that does not even load again (gone, unsupported) will not get better with more tries.
      if ((needReload || seeker.video.error) && !(await seeker.reload())) break;
      needReload = false;
      if ((await seeker.seek(k)) === 'ok') {
        back = k;
        break;
      }
    }
    if (this.host.isDisposed()) return;
    if (back !== null) this.host.wentBack(back);
    if (problem && this.problem === problem) this.problem = { ...problem, state: back !== null ? 'recovered' : 'failed', recoveredTo: back };
    this.host.emit();
  }
}
