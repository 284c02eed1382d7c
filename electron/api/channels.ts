// Channel and event names only (no zod): what the preload needs to build window.workstation, kept small.
// contract.ts checks at compile time that its schemas cover exactly these names.

export const REQUEST_CHANNEL_NAMES = [
  'app.info',
  'cases.list',
  'cases.get',
  'cases.create',
  'cases.update',
  'cases.delete',
  'settings.get',
  'settings.update',
  'frames.addImage',
  'frames.list',
  'frames.delete',
  'inference.status',
  'inference.load',
  'inference.unload',
  'analysis.start',
  'analysis.cancel',
  'analysis.list',
  'analysis.defaultPrompt',
] as const;

export const EVENT_NAME_LIST = ['analysis.token', 'analysis.status', 'inference.status', 'app.command'] as const;

export type RequestChannelName = (typeof REQUEST_CHANNEL_NAMES)[number];
export type EventNameName = (typeof EVENT_NAME_LIST)[number];

/** Electron IPC channel names derived from the contract (main registers one handler per channel). */
export const IPC_PREFIX = 'workstation:';
export const IPC_EVENT_CHANNEL = 'workstation:event';
