// About: the ffmpeg the app runs for conversion, scrub proxies and timeline frames (where it comes from, its version
// and licence, and whether it has the codecs the app needs).
import { useEffect, useState } from 'react';
import type { FfmpegInfo } from '../../../electron/api/schemas-video';
import { api } from '../api';

const SOURCE: Record<string, string> = { bundled: 'shipped with the app', system: 'the system’s', override: 'set by WORKSTATION_FFMPEG' };

export function FfmpegAbout() {
  const [info, setInfo] = useState<FfmpegInfo | null>(null);
  useEffect(() => {
    api.videos.tools({}).then(setInfo, () => setInfo(null));
  }, []);
  if (!info) return null;
  const f = info.found;
  return (
    <div className="fact-wide" data-testid="about-ffmpeg">
      <dt>ffmpeg (conversion, scrub proxies, timeline frames)</dt>
      <dd>
        {f ? (
          <>
            <span data-testid="about-ffmpeg-version">{f.version}</span> · {SOURCE[f.source] ?? f.source} ·{' '}
            <span data-testid="about-ffmpeg-licence">{f.licence}</span>
            {(!f.h264Encoder || !f.hevcDecoder) && (
              <span className="muted">
                {' '}
                · lacks {[!f.h264Encoder && 'H.264 encoding', !f.hevcDecoder && 'HEVC decoding'].filter(Boolean).join(' and ')}
              </span>
            )}
            <br />
            <code>{f.path}</code>
            <br />
            <span className="muted">
              ffmpeg is a separate program the app runs, © the FFmpeg developers, under the licence above (source: ffmpeg.org). Set WORKSTATION_FFMPEG to a path, or to
              “system”, to use another ffmpeg.
            </span>
          </>
        ) : (
          <span className="muted">
            None found{info.bundledPackage ? ` (this installation lacks ${info.bundledPackage}: reinstall the app)` : ''}: conversion, scrub proxies and timeline frames are
            unavailable.
          </span>
        )}
      </dd>
    </div>
  );
}
