// Types for native-variants.mjs (plain Node ESM: scripts/build-native.mjs runs before anything is built).
export type Kind = 'cpu' | 'cuda' | 'vulkan' | 'metal';
export type VariantsRequest = 'all' | 'auto' | Kind[];
export interface GpuFacts {
  platform: 'linux' | 'mac' | 'win' | string;
  arch: string;
  nvidiaDriver: string | null;
  vulkanLoader: string | null;
  vulkanIcds: string[];
  gpuDeviceNodes: string[];
}
export interface KindUse {
  usable: boolean;
  reason: string;
}
export interface Selection<V extends { variant: string }> {
  build: V[];
  skipped: { variant: string; kind: Kind; reason: string }[];
  missing: Kind[];
}
export const KINDS: Kind[];
export function variantKind(variant: string): Kind;
export function parseVariantsOption(value: string | undefined): VariantsRequest;
export function usableKinds(facts: GpuFacts): Record<Kind, KindUse>;
export function selectVariants<V extends { variant: string }>(options: {
  installed: V[];
  request: VariantsRequest;
  facts: GpuFacts;
  alreadyBuilt?: string[];
}): Selection<V>;
export function detectGpuFacts(options: { platform: string; arch: string; env?: NodeJS.ProcessEnv }): GpuFacts;
export function describeSelection(facts: GpuFacts, selection: Selection<{ variant: string }>): string;
export function buildIsCurrent(options: {
  info: { llamaRelease?: string; nodeLlamaCppVersion?: string; variants?: { variant: string; libllamaSize?: number }[] } | null;
  manifest: { llamaRelease: string; nodeLlamaCppVersion: string };
  chosen: { variant: string; libllamaSize: number }[];
  mtimeOf: (variant: string) => number | null;
  newestSourceMtime: number;
}): boolean;
