// Device preferences offered wherever a model is loaded, and small formatting for the Models view.
import type { DevicePreference } from '../../../electron/api/schemas';
import { formatBytes } from '../ui/format';

export const DEVICES: { value: DevicePreference; label: string }[] = [
  { value: 'auto', label: 'Automatic (best available)' },
  { value: 'cuda', label: 'NVIDIA CUDA' },
  { value: 'metal', label: 'Apple Metal' },
  { value: 'vulkan', label: 'Vulkan' },
  { value: 'cpu', label: 'CPU only' },
];

export function formatSpeed(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${formatBytes(Math.round(bytesPerSecond))}/s` : '—';
}

export function formatEta(seconds: number | null): string {
  if (seconds == null) return 'estimating…';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min left`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min left`;
}

/** Context size from a text field: a whole number from 1,024 to 32,768, else an explanation. */
export function parseContextSize(text: string): { value: number } | { error: string } {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1024 || n > 32768) return { error: 'Use a whole number from 1,024 to 32,768.' };
  return { value: n };
}
