// Whether a probed file plays is the browser's decoder's answer: both answers for HEVC, MKV's container, a browser
// without WebCodecs, and a file that cannot play whatever the browser.
import { describe, expect, it } from 'vitest';
import { askDecoder, type DecoderQuestions } from '../../renderer/src/review/player/playback-support';

const probe = (mime: string, codecString: string | null) => ({ playback: { mime, codecString }, width: 1920, height: 1080 });

/** A browser that plays exactly the types and codecs listed (as Chromium answers: "probably", "maybe" or ""). */
function browser(plays: Record<string, string>, codecs: string[] | null): DecoderQuestions {
  return {
    canPlayType: (t) => plays[t] ?? '',
    isConfigSupported: codecs ? async (c) => codecs.includes(c.codec) : null,
  };
}

const LINUX = browser({ 'video/mp4': 'maybe', 'video/x-matroska': 'maybe', 'video/mp4; codecs="avc1.64001f"': 'probably', 'video/x-matroska; codecs="avc1.64001f"': 'probably' }, ['avc1.64001f']);
const MAC = browser({ 'video/mp4': 'maybe', 'video/mp4; codecs="hvc1.1.6.L93.B0"': 'probably' }, ['hvc1.1.6.L93.B0']);

describe('askDecoder', () => {
  it('HEVC plays where the platform decodes it (macOS, Windows) and not where it cannot (Linux)', async () => {
    const hevc = probe('video/mp4', 'hvc1.1.6.L93.B0');
    expect(await askDecoder(hevc, MAC)).toMatchObject({ plays: true, webCodecs: true });
    const linux = await askDecoder(hevc, LINUX);
    expect(linux).toMatchObject({ plays: false, webCodecs: false });
    expect(linux!.detail).toBe('canPlayType(video/mp4) = "maybe", canPlayType(video/mp4; codecs="hvc1.1.6.L93.B0") = "", VideoDecoder.isConfigSupported(hvc1.1.6.L93.B0) = false');
  });

  it('H.264 in MKV plays directly when the element opens Matroska', async () => {
    expect(await askDecoder(probe('video/x-matroska', 'avc1.64001f'), LINUX)).toMatchObject({ plays: true, webCodecs: true });
    // A browser whose element does not open Matroska: no, whatever WebCodecs says.
    expect(await askDecoder(probe('video/x-matroska', 'avc1.64001f'), browser({}, ['avc1.64001f']))).toMatchObject({ plays: false });
  });

  it('without WebCodecs the element decides; without a codec string the container does', async () => {
    expect(await askDecoder(probe('video/mp4', 'avc1.64001f'), browser({ 'video/mp4': 'maybe', 'video/mp4; codecs="avc1.64001f"': 'probably' }, null))).toMatchObject({ plays: true, webCodecs: false });
    expect(await askDecoder(probe('video/mp4', null), browser({ 'video/mp4': 'maybe' }, null))).toMatchObject({ plays: true, webCodecs: false });
  });

  it('nothing is asked for a file that cannot play whatever the browser', async () => {
    expect(await askDecoder({ playback: null, width: null, height: null }, LINUX)).toBeNull();
  });
});
