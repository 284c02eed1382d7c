// Whether this app's own Chromium plays a probed video, asked at run time instead of read from a fixed list: the
// container by canPlayType (an MKV plays in Chromium's <video>), the codec by canPlayType with its codec string and by
// WebCodecs' VideoDecoder.isConfigSupported (HEVC decodes where the platform has a decoder: macOS, Windows; not on
// Linux). The probe (backend) gives the container's MIME type and the codec string; the answer goes to videos.import.
import type { VideoProbe } from '../../../../electron/api/schemas-video';

/** What is asked of the browser (the page's own in the app; tests may pass another answerer). */
export interface DecoderQuestions {
  canPlayType(type: string): string;
  /** null where the browser has no WebCodecs. */
  isConfigSupported: ((config: { codec: string; codedWidth?: number; codedHeight?: number }) => Promise<boolean>) | null;
}

export function browserDecoder(): DecoderQuestions {
  const video = document.createElement('video');
  return {
    canPlayType: (type) => video.canPlayType(type),
    isConfigSupported:
      typeof VideoDecoder === 'undefined'
        ? null
        : (config) =>
            VideoDecoder.isConfigSupported(config).then(
              (r) => r.supported === true,
              () => false,
            ),
  };
}

export interface PlaybackAnswer {
  /** The <video> plays it (container and codec). */
  plays: boolean;
  /** WebCodecs decodes it too (the frame cache and proxies can work on it). */
  webCodecs: boolean;
  /** What was asked and what came back, for the message and for troubleshooting. */
  detail: string;
}

/** The browser's answer for a probed file; null when the probe says it cannot be played whatever the browser. */
export async function askDecoder(probe: Pick<VideoProbe, 'playback' | 'width' | 'height'>, ask: DecoderQuestions = browserDecoder()): Promise<PlaybackAnswer | null> {
  const pb = probe.playback;
  if (!pb) return null;
  const container = ask.canPlayType(pb.mime);
  const full = pb.codecString ? `${pb.mime}; codecs="${pb.codecString}"` : null;
  const withCodec = full ? ask.canPlayType(full) : container;
  let webCodecs = false;
  if (pb.codecString && ask.isConfigSupported) {
    webCodecs = await ask.isConfigSupported({ codec: pb.codecString, ...(probe.width && probe.height ? { codedWidth: probe.width, codedHeight: probe.height } : {}) });
  }
  // The container must be one the element opens; the codec is decided by the element's own answer, or by
  // WebCodecs when the element does not know the codec string (it then says "" for a codec it may well play).
  const plays = container !== '' && (withCodec !== '' || webCodecs);
  return {
    plays,
    webCodecs,
    detail: `canPlayType(${pb.mime}) = "${container}"${full ? `, canPlayType(${full}) = "${withCodec}"` : ''}${pb.codecString ? `, VideoDecoder.isConfigSupported(${pb.codecString}) = ${webCodecs}` : ''}`,
  };
}
