// What the review opens with besides the video: its scrub proxy when it is ready (one is asked for when a video has
// none, e.g. imported before proxies existed), and whether the frame cache starts on.
import type { VideoProxy } from '../../../electron/api/schemas-video';
import { api } from '../api';

/** The scrub proxy: ready or not; one is made for a video from before proxies (or whose proxy was lost). */
export async function readyProxy(videoId: number): Promise<VideoProxy | null> {
  try {
    const p = await api.videos.proxy({ id: videoId });
    if (p.state === 'none') void api.videos.makeProxy({ id: videoId }).catch(() => {});
    return p.state === 'ready' && !proxyOff() ? p : null;
  } catch {
    return null;
  }
}

/** ?proxy=off (tests, troubleshooting, the benchmark's comparison) opens reviews on the original only. */
function proxyOff(): boolean {
  return new URLSearchParams(window.location.search).get('proxy') === 'off';
}

/** The frame cache starts on unless ?frameCache=off (tests, troubleshooting) or the reviewer turned it off. */
export function cacheWanted(): boolean {
  const q = new URLSearchParams(window.location.search).get('frameCache');
  if (q) return q !== 'off';
  try {
    return window.localStorage.getItem('workstation.frameCache') !== 'off';
  } catch {
    return true;
  }
}
