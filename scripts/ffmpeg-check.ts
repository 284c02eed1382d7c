// Prints the ffmpeg the app would run (source, path, version, licence, codecs) and fails when it lacks what the app
// needs: H.264 encoding (conversion, scrub proxies) and HEVC decoding (converting HEVC recordings).
// --require-bundled: also fail unless it is the copy shipped with the app (the release workflow checks each platform).
import { bundledPackageName, ffmpegDetails, findFfmpeg } from '../electron/core/ffmpeg/ffmpeg-binary';

const requireBundled = process.argv.includes('--require-bundled');
const tools = findFfmpeg();
const d = tools ? ffmpegDetails(tools) : null;
if (!tools || !d) {
  console.error(`No ffmpeg found (the package for this platform: ${bundledPackageName() ?? 'none'}).`);
  process.exit(1);
}
console.log(JSON.stringify(d, null, 2));
const problems = [
  !d.h264Encoder && 'no H.264 encoder (libx264)',
  !d.hevcDecoder && 'no HEVC decoder',
  requireBundled && d.source !== 'bundled' && `not the bundled ffmpeg (${d.source})`,
].filter(Boolean);
if (problems.length) {
  console.error(`ffmpeg check failed: ${problems.join('; ')}.`);
  process.exit(1);
}
