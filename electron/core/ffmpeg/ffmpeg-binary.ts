// Which ffmpeg the app runs, and what it can do. One module for every feature that needs ffmpeg (conversion, the
// scrub proxy, timeline frames, teaching clips): import findFfmpeg / ffmpegDetails from here.
//
// The lookup, first match wins:
//   1. an explicit override: the `override` argument (tests, CLIs), else $WORKSTATION_FFMPEG: a path to an ffmpeg
//      binary, 'system' (the one on PATH), or 'none' (act as if there were none);
//   2. the ffmpeg shipped with the app: the per-platform npm package @ffmpeg-installer/<platform>-<arch>, which
//      carries a static ffmpeg inside the package (no download at install time; unpacked from app.asar when packaged);
//   3. the system ffmpeg (PATH, plus the Homebrew and /usr/local locations a macOS GUI app does not have on its PATH),
//      for a platform the app ships no ffmpeg for.
// ffprobe is used only when it sits next to the chosen ffmpeg (a system install); the bundled package has none, and
// nothing needs it (ffmpeg itself names what mediabunny cannot read).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FfmpegInfo } from '../../api/schemas-video';

export interface FfmpegTools {
  ffmpeg: string;
  /** ffprobe next to ffmpeg (or on PATH for a system ffmpeg), when present. */
  ffprobe: string | null;
  /** Where it came from: an override, the copy shipped with the app, or the system's. */
  source: 'override' | 'bundled' | 'system';
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

function onPath(name: string): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function works(binary: string): boolean {
  try {
    return spawnSync(binary, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

/** The npm package that carries ffmpeg for this platform (null where the app ships none). */
export function bundledPackageName(platform: string = process.platform, arch: string = process.arch): string | null {
  const supported = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
  const key = `${platform}-${arch}`;
  return supported.includes(key) ? `@ffmpeg-installer/${key}` : null;
}

/**
 * The ffmpeg binary shipped with the app for this platform, or null when its package is not installed. Inside a
 * packaged app the package sits in app.asar, but a binary must be run from app.asar.unpacked (electron-builder's
 * asarUnpack puts it there).
 */
export function bundledFfmpegPath(): string | null {
  const pkg = bundledPackageName();
  if (!pkg) return null;
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
  const unpacked = dir.replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
  for (const d of unpacked === dir ? [dir] : [unpacked, dir]) {
    const file = path.join(d, exe('ffmpeg'));
    if (fs.existsSync(file)) return file;
  }
  return null;
}

function systemFfmpeg(): FfmpegTools | null {
  for (const c of [onPath('ffmpeg'), '/opt/homebrew/bin/ffmpeg', '/usr/local/bin/ffmpeg', '/usr/bin/ffmpeg']) {
    if (!c || !works(c)) continue;
    const sibling = path.join(path.dirname(c), exe('ffprobe'));
    return { ffmpeg: c, ffprobe: fs.existsSync(sibling) && works(sibling) ? sibling : onPath('ffprobe'), source: 'system' };
  }
  return null;
}

/**
 * Finds ffmpeg. `override`: a path, 'system', or 'none' (as if there were none); null also means none. Without it,
 * $WORKSTATION_FFMPEG says the same; without that, the bundled ffmpeg, else the system's.
 */
export function findFfmpeg(override?: string | null): FfmpegTools | null {
  if (override === null) return null;
  const wanted = override ?? process.env.WORKSTATION_FFMPEG ?? null;
  if (wanted === 'none') return null;
  if (wanted === 'system') return systemFfmpeg();
  if (wanted) {
    if (!works(wanted)) return null;
    const sibling = path.join(path.dirname(wanted), exe('ffprobe'));
    return { ffmpeg: wanted, ffprobe: fs.existsSync(sibling) && works(sibling) ? sibling : null, source: 'override' };
  }
  const bundled = bundledFfmpegPath();
  if (bundled && works(bundled)) return { ffmpeg: bundled, ffprobe: null, source: 'bundled' };
  return systemFfmpeg();
}

export interface FfmpegDetails {
  path: string;
  source: FfmpegTools['source'];
  /** ffmpeg's own version string ("5.1.9-0+deb12u1", "N-47683-g0e8eb07980-static"). */
  version: string;
  /** The licence the build's configuration implies (GPL with --enable-gpl, v3 with --enable-version3, else LGPL). */
  licence: string;
  /** Whether it can encode H.264 (libx264: conversion and the scrub proxy). */
  h264Encoder: boolean;
  /** Whether it can decode HEVC (conversion of HEVC recordings). */
  hevcDecoder: boolean;
  /** `-fps_mode` exists (ffmpeg 5.1+); older builds spell it `-vsync`. */
  fpsModeOption: boolean;
}

/** The licence from `-version`'s configuration line. */
export function licenceOf(configuration: string): string {
  if (/--enable-nonfree\b/.test(configuration)) return 'non-free (not redistributable)';
  const v3 = /--enable-version3\b/.test(configuration);
  if (/--enable-gpl\b/.test(configuration)) return v3 ? 'GPL version 3 or later' : 'GPL version 2 or later';
  return v3 ? 'LGPL version 3 or later' : 'LGPL version 2.1 or later';
}

const detailsCache = new Map<string, FfmpegDetails | null>();

function output(binary: string, args: string[]): string | null {
  try {
    const r = spawnSync(binary, ['-hide_banner', ...args], { encoding: 'utf8', timeout: 15_000, maxBuffer: 8 * 1024 * 1024 });
    return r.status === 0 ? `${r.stdout}\n${r.stderr}` : null;
  } catch {
    return null;
  }
}

/** Version, licence and the codecs the app relies on; null when the binary does not answer. Cached per path. */
export function ffmpegDetails(tools: FfmpegTools): FfmpegDetails | null {
  const hit = detailsCache.get(tools.ffmpeg);
  if (hit !== undefined) return hit;
  const version = output(tools.ffmpeg, ['-version']);
  const encoders = output(tools.ffmpeg, ['-encoders']);
  const decoders = output(tools.ffmpeg, ['-decoders']);
  const help = output(tools.ffmpeg, ['-h', 'long']);
  const details: FfmpegDetails | null = version
    ? {
        path: tools.ffmpeg,
        source: tools.source,
        version: /ffmpeg version (\S+)/.exec(version)?.[1] ?? 'unknown',
        licence: licenceOf(/configuration:(.*)/.exec(version)?.[1] ?? ''),
        h264Encoder: /^\s*V\S*\s+libx264\s/m.test(encoders ?? ''),
        hevcDecoder: /^\s*V\S*\s+hevc\s/m.test(decoders ?? ''),
        fpsModeOption: /-fps_mode\b/.test(help ?? ''),
      }
    : null;
  detailsCache.set(tools.ffmpeg, details);
  return details;
}

/** What About shows (videos.tools): the ffmpeg found, or none, and the package the app ships it in here. */
export function ffmpegInfo(tools: FfmpegTools | null): FfmpegInfo {
  const d = tools ? ffmpegDetails(tools) : null;
  return {
    found: d ? { source: d.source, path: d.path, version: d.version, licence: d.licence, h264Encoder: d.h264Encoder, hevcDecoder: d.hevcDecoder } : null,
    bundledPackage: bundledPackageName(),
  };
}

/** ffmpeg's option for passing every frame through with its own timestamp, in this build's spelling. */
export function passthroughArgs(ffmpeg: string): string[] {
  return ffmpegDetails({ ffmpeg, ffprobe: null, source: 'override' })?.fpsModeOption === false ? ['-vsync', 'passthrough'] : ['-fps_mode', 'passthrough'];
}
