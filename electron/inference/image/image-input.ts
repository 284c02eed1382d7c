// Image input types, the pixel limit and the refusals: ImageInputError and the messages shared by the probe and
// the decoders (a user reads them, so each says what to do next).

export type ImageFormat = 'png' | 'jpeg';
export type ImageInputErrorCode = 'empty' | 'not-an-image' | 'too-large' | 'corrupt';

/** Bad image input. `message` is written for the user; `code` is for the program. */
export class ImageInputError extends Error {
  readonly code: ImageInputErrorCode;

  constructor(code: ImageInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageInputError';
    this.code = code;
  }
}

/** Images with more pixels than this are refused before decoding (8000x8000 is; 7680x4320 8K UHD is not). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export interface ImageProbe {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

export function tooLarge(width: number, height: number): ImageInputError {
  const mp = (width * height) / 1e6;
  return new ImageInputError(
    'too-large',
    `The image is ${width}×${height} pixels (${mp.toFixed(1)} megapixels), more than the ` +
      `${MAX_IMAGE_PIXELS / 1e6}-megapixel limit. Export the frame at a smaller size ` +
      `(a 1920×1080 frame is 2.1 megapixels) and try again.`,
  );
}

export function corrupt(format: ImageFormat, detail: string, cause?: unknown): ImageInputError {
  const name = format === 'png' ? 'PNG' : 'JPEG';
  return new ImageInputError(
    'corrupt',
    `The ${name} file is damaged or incomplete (${detail}). Export or capture the frame again.`,
    cause === undefined ? undefined : { cause },
  );
}
