// The <video> behind the review: video.js over the library's media URL (served with HTTP Range), with none of
// video.js's own controls (the review draws its own) and its logging off (the review shows errors itself).
import videojs from 'video.js/core.es.js';

type Player = ReturnType<typeof videojs>;

export interface VideoElementHandle {
  video: HTMLVideoElement;
  /** Reloads the source after a media error (the element is dead until then). */
  reload(): void;
  /** Chromium's own words for the current error (PipelineStatus::…), else video.js's, else null. */
  errorText(): { code: number | null; message: string | null; detail: string | null };
  dispose(): void;
}

videojs.log.level('off');

export function mimeForContainer(container: string): string {
  return /matroska|mkv/i.test(container) ? 'video/x-matroska' : /webm/i.test(container) ? 'video/webm' : 'video/mp4';
}

/** Creates the video element inside `host` (which React leaves alone) and wraps it in a video.js player. */
export function createVideoElement(host: HTMLElement, src: string, type: string): VideoElementHandle {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  // Same-origin under the browser host; CORS (media:// answers for app://) in Electron, so frames stay readable.
  video.crossOrigin = 'anonymous';
  host.appendChild(video);
  const player: Player = videojs(video, {
    controls: false,
    autoplay: false,
    preload: 'auto',
    loop: false,
    muted: true,
    children: ['mediaLoader'],
    errorDisplay: false,
    textTrackSettings: false,
    bigPlayButton: false,
    loadingSpinner: false,
    controlBar: false,
    userActions: { hotkeys: false, doubleClick: false, click: false },
    html5: { nativeTextTracks: false, nativeAudioTracks: false, nativeVideoTracks: false },
  });
  player.src({ src, type });
  const techEl = (): HTMLVideoElement => (player.tech(true)?.el() as HTMLVideoElement | undefined) ?? video;
  // video.js moves the tag's attributes to its wrapper; mark the element itself once it is the tech.
  techEl().setAttribute('data-testid', 'review-video');
  return {
    video: techEl(),
    reload() {
      player.error(null);
      player.src({ src, type });
      player.load();
    },
    errorText() {
      const el = techEl().error;
      const vjs = player.error();
      return {
        code: el?.code ?? vjs?.code ?? null,
        message: vjs?.message ?? null,
        detail: el?.message ? el.message : null,
      };
    },
    dispose() {
      player.dispose();
    },
  };
}
