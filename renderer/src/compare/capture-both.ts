// "Capture both": stops both on their paired frames, then captures each side's exact frame on screen (the review
// player's own capture: lossless PNG, the colour rule, a print copy for large frames) into that side's review. A side
// whose review is finalised is refused by the backend with its reason; the other side is still captured.
import type { Frame } from '../../../electron/api/schemas';
import { api } from '../api';
import type { FramePlayer } from '../review/player/frame-player';
import type { CompareSync } from './compare-sync';
import type { CompareSideData } from './CompareView';

export interface CaptureBothResult {
  captured: Array<{ side: 'a' | 'b'; frameIndex: number; caseCode: string; frame: Frame }>;
  failed: Array<{ side: 'a' | 'b'; error: unknown }>;
}

async function captureSide(player: FramePlayer, reviewId: number): Promise<Frame> {
  const shot = await player.capture();
  return api.frames.capture({ reviewId, frameIndex: shot.index, mediaTime: shot.mediaTime, data: shot.png, ...(shot.printJpeg ? { printJpeg: shot.printJpeg } : {}) });
}

export async function captureBoth(sync: CompareSync, players: readonly [FramePlayer, FramePlayer], sides: readonly [CompareSideData, CompareSideData]): Promise<CaptureBothResult> {
  await sync.stopPlaying();
  // One after the other: the same review twice (two moments of one video) gets its two frames in order.
  const result: CaptureBothResult = { captured: [], failed: [] };
  const jobs = [
    { side: 'a' as const, player: players[0], data: sides[0] },
    { side: 'b' as const, player: players[1], data: sides[1] },
  ];
  for (const { side, player, data } of jobs) {
    try {
      const frame = await captureSide(player, data.review.id);
      result.captured.push({ side, frameIndex: frame.frameIndex ?? -1, caseCode: data.item.code, frame });
    } catch (error) {
      result.failed.push({ side, error });
    }
  }
  return result;
}
