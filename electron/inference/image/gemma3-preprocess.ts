// The image half of the Hugging Face Gemma 3 processor, for a frame that is handed to llama.cpp's mtmd as RGB:
// decode, drop alpha, stretch to imageSize x imageSize. No letterboxing, no pan-and-scan (off in MedGemma's
// preprocessor_config.json). Rescaling to 0..1 and normalising with mean = std = 0.5 are left to llama.cpp's clip,
// which applies the image_mean/image_std stored in the mmproj, so the output stays 8-bit.
//
// Resampling filter: BILINEAR. Evidence: transformers' Gemma3ImageProcessor defaults `resample` to
// PILImageResampling.BILINEAR (image_processing_gemma3.py, and the same class default in the fast/torchvision and
// the v5 PIL-backend variants), and the published Gemma 3 / MedGemma preprocessor_config.json files set
// "resample": 2, which is PIL's BILINEAR, with "size": {"height": 896, "width": 896}. The PIL processor resizes via
// transformers.image_transforms.resize -> PIL.Image.resize((w, h), BILINEAR) on the uint8 RGB image
// (reducing_gap=None), which resizeRgb reproduces bit-exactly. (The torchvision backend, default in transformers v5
// when torchvision is installed, uses antialiased bilinear on uint8, a port of the same algorithm that can differ
// from PIL by 1 in a few pixels.)

import { decodeImage } from './decode';
import { resizeRgb, type ResizeFilter, type RgbImage } from './resize';

export const GEMMA3_RESAMPLE: ResizeFilter = 'bilinear';

/** Gemma 3 / MedGemma 4B vision input side (SigLIP at 896x896, 256 image tokens after pooling). */
export const GEMMA3_IMAGE_SIZE = 896;

/**
 * Decode a PNG/JPEG frame and stretch it to imageSize x imageSize with the Gemma 3 processor's resampling.
 * Throws ImageInputError (from decodeImage) for bad input, RangeError for an invalid imageSize.
 */
export function prepareForGemma3(bytes: Uint8Array, imageSize: number): RgbImage {
  if (!Number.isInteger(imageSize) || imageSize < 1 || imageSize > 4096) {
    throw new RangeError(`prepareForGemma3: imageSize must be an integer from 1 to 4096, got ${imageSize}`);
  }
  return resizeRgb(decodeImage(bytes), imageSize, imageSize, GEMMA3_RESAMPLE);
}
