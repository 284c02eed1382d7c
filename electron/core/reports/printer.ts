// How a report page becomes a PDF and a preview image: Chromium in both cases. Electron main implements these
// with a hidden sandboxed BrowserWindow (electron/main/print-pdf.ts); the browser host, the CLI and the tests
// with playwright-core driving the system's Chromium (chromium-printer.ts). The report service gets one injected.

export interface PdfPrinter {
  /** The page printed to PDF (paper size, margins and the page-number footer come from the page's @page rule). */
  print(html: string): Promise<Uint8Array>;
}

export interface PagePreviewer {
  /** A PNG of the top of the page laid out at the paper's width (the dialog's first-page preview). */
  screenshot(html: string, size: { width: number; height: number }): Promise<Uint8Array>;
}

/** One frame image to shrink for the printed report: decoded, resized to width × height, JPEG-encoded. */
export interface ShrinkJob {
  data: Uint8Array;
  mime: string;
  width: number;
  height: number;
}

export interface ImageShrinker {
  /**
   * JPEG renditions of frame images at the given sizes (quality 0..1), in the same order. Large lossless frames
   * would make the HTML and the PDF hundreds of megabytes; the report shows them at most ~18 cm wide.
   */
  shrink(jobs: ShrinkJob[], quality: number): Promise<Uint8Array[]>;
}

export interface ReportRenderer extends PdfPrinter, PagePreviewer, ImageShrinker {
  close(): Promise<void>;
}

/** CSS pixels of the paper at 96 dpi, for the preview. */
export const PAPER_PIXELS = { A4: { width: 794, height: 1123 }, Letter: { width: 816, height: 1056 } } as const;
