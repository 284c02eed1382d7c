// The size a frame is printed at in the HTML/PDF report, shared by the report (which embeds it) and the renderer
// (which makes the print copy when it captures a frame, so the first export does not have to). Small frames (at
// most 1280 px a side and 200 KB) go in as stored (lossless); the others as a JPEG print copy (quality 0.9, at most
// 1280 px a side). A 1080p PNG of surgical video is 2–4 MB: fifty of them as data URLs make a page Chromium cannot
// load, and a JPEG is what Chromium's PDF writer can pass through unchanged.
export const PRINT_MAX_SIDE = 1280;
export const MAX_INLINE_BYTES = 200 * 1024;
export const PRINT_JPEG_QUALITY = 0.9;

/** The size a frame is embedded at in the HTML/PDF, or null to embed the stored image itself. */
export function printSize(width: number, height: number, bytes: number): { width: number; height: number } | null {
  if (width <= PRINT_MAX_SIDE && height <= PRINT_MAX_SIDE && bytes <= MAX_INLINE_BYTES) return null;
  const scale = Math.min(1, PRINT_MAX_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
