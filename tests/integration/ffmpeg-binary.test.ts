// The ffmpeg the app ships and how it is chosen: the bundled binary (from the npm registry, nothing else downloaded)
// with the codecs the app needs, the system ffmpeg and 'none' as overrides, the licence read from the build.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledFfmpegPath, bundledPackageName, ffmpegDetails, findFfmpeg, licenceOf } from '../../electron/core/ffmpeg/ffmpeg-binary';
import { REPO_ROOT } from '../fixtures/videos';

const saved = process.env.WORKSTATION_FFMPEG;
afterEach(() => {
  if (saved === undefined) delete process.env.WORKSTATION_FFMPEG;
  else process.env.WORKSTATION_FFMPEG = saved;
});

describe('the bundled ffmpeg', () => {
  it('is found first, and encodes H.264 and decodes HEVC', () => {
    delete process.env.WORKSTATION_FFMPEG;
    expect(bundledPackageName('linux', 'x64')).toBe('@ffmpeg-installer/linux-x64');
    expect(bundledPackageName('freebsd', 'x64')).toBeNull();
    const file = bundledFfmpegPath();
    expect(file).toContain(path.join('node_modules', '@ffmpeg-installer'));
    const tools = findFfmpeg();
    expect(tools).toMatchObject({ ffmpeg: file, source: 'bundled', ffprobe: null });
    const d = ffmpegDetails(tools!)!;
    expect(d.h264Encoder).toBe(true);
    expect(d.hevcDecoder).toBe(true);
    expect(d.licence).toBe('GPL version 3 or later');
    expect(d.version).not.toBe('unknown');
  });

  it('comes from the npm registry: every package in the lockfile, ffmpeg included, is resolved there', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; optional?: boolean }> };
    const ffmpegPackages = Object.entries(lock.packages).filter(([k]) => k.startsWith('node_modules/@ffmpeg-installer/'));
    expect(ffmpegPackages.map(([k]) => k.split('/').pop()).sort()).toEqual(['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-x64']);
    const elsewhere = Object.entries(lock.packages).filter(([, p]) => p.resolved && !p.resolved.startsWith('https://registry.npmjs.org/'));
    expect(elsewhere).toEqual([]);
    // The package carries the binary itself (no install script fetches it).
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(bundledFfmpegPath()!), 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.values(pkg.scripts ?? {}).join(' ')).not.toMatch(/curl|wget|https?:|download/i);
  });
});

describe('overrides', () => {
  it("WORKSTATION_FFMPEG=system picks the system's ffmpeg (with its ffprobe)", () => {
    process.env.WORKSTATION_FFMPEG = 'system';
    const tools = findFfmpeg();
    expect(tools?.source).toBe('system');
    expect(tools?.ffmpeg).not.toContain('@ffmpeg-installer');
    expect(tools?.ffprobe).toBeTruthy();
  });

  it('a path is used as given; none means none; a path that does not run means none', () => {
    process.env.WORKSTATION_FFMPEG = '/usr/bin/ffmpeg';
    expect(findFfmpeg()).toMatchObject({ ffmpeg: '/usr/bin/ffmpeg', source: 'override' });
    process.env.WORKSTATION_FFMPEG = 'none';
    expect(findFfmpeg()).toBeNull();
    expect(findFfmpeg('/nonexistent/ffmpeg')).toBeNull();
    expect(findFfmpeg(null)).toBeNull();
  });
});

describe('licenceOf', () => {
  it('reads the licence from the build configuration', () => {
    expect(licenceOf('--enable-gpl --enable-version3 --enable-libx264')).toBe('GPL version 3 or later');
    expect(licenceOf('--enable-gpl --enable-libx264')).toBe('GPL version 2 or later');
    expect(licenceOf('--enable-shared')).toBe('LGPL version 2.1 or later');
    expect(licenceOf('--enable-version3')).toBe('LGPL version 3 or later');
    expect(licenceOf('--enable-gpl --enable-nonfree')).toBe('non-free (not redistributable)');
  });
});

describe('naming a file without ffprobe', () => {
  it('ffmpeg -i gives the same summary as ffprobe for what mediabunny cannot read (AVI)', async () => {
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    const { ffmpegSummary, ffprobeSummary } = await import('../../electron/core/videos/ffmpeg-tools');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffsum-'));
    try {
      const avi = path.join(dir, 'clip.avi');
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:d=1:r=25', '-f', 'lavfi', '-i', 'sine=d=1', '-c:v', 'mpeg4', '-c:a', 'mp3', '-shortest', avi]);
      const viaFfmpeg = await ffmpegSummary(bundledFfmpegPath()!, avi);
      const viaFfprobe = await ffprobeSummary('ffprobe', avi);
      expect(viaFfmpeg).toMatchObject({ formatName: 'avi', hasAudio: true, video: { codecName: 'mpeg4', width: 320, height: 240 } });
      expect(viaFfmpeg?.formatName).toBe(viaFfprobe?.formatName);
      expect(viaFfmpeg?.video?.codecName).toBe(viaFfprobe?.video?.codecName);
      expect(viaFfmpeg!.durationSeconds!).toBeCloseTo(viaFfprobe!.durationSeconds!, 1);
      fs.writeFileSync(path.join(dir, 'junk.avi'), Buffer.alloc(4096, 7));
      expect(await ffmpegSummary(bundledFfmpegPath()!, path.join(dir, 'junk.avi'))).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
