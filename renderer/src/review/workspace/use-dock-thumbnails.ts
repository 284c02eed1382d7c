// Thumbnails for the review workspace's timeline dock from a hidden copy of the video, drawn only while the player is
// idle (not seeking, playing or filling its frame cache), so they never slow down the frame the reviewer asked for.
import { useEffect, useState } from 'react';
import type { VideoProxy, VideoTimeline } from '../../../../electron/api/schemas-video';
import { api } from '../../api';
import { createVideoThumbnails, type ThumbnailSource } from '../dock/thumbnails';
import type { FramePlayer } from '../player/frame-player';

export function useDockThumbnails(player: FramePlayer | null, src: string, timeline: VideoTimeline, proxy: VideoProxy | null, videoId: number): ThumbnailSource | null {
  const pts = timeline.pts;
  const [thumbs, setThumbs] = useState<ThumbnailSource | null>(null);
  useEffect(() => {
    if (!player) return;
    // Idle: nothing moving, and nothing has moved for a moment (a step or a jump comes in bursts).
    let lastActivity = performance.now();
    const off = player.subscribe(() => {
      const s = player.getState();
      if (s.busy || s.playing || s.reverseRate > 0 || s.cache.decoding) lastActivity = performance.now();
    });
    const idle = () => {
      const s = player.getState();
      return !s.busy && !s.playing && s.reverseRate === 0 && !s.cache.decoding && performance.now() - lastActivity > 600;
    };
    // Drawn from the scrub proxy when it is ready (small and quick to seek), else from the original.
    const from = proxy ? { url: api.proxyUrl(videoId), timeOffset: proxy.timeOffset ?? 0 } : { url: src };
    const t = createVideoThumbnails({ ...from, pts, endSeconds: timeline.startSeconds + timeline.durationSeconds, height: 34, idle });
    setThumbs(() => t.source);
    return () => {
      off();
      setThumbs(null);
      t.dispose();
    };
  }, [player, src, pts, timeline.startSeconds, timeline.durationSeconds, proxy, videoId]);
  return thumbs;
}
