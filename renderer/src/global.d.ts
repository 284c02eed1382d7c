// In Electron the preload exposes the contract as window.workstation; under the browser host it is absent.
import type { WorkstationApi } from '../../electron/api/client';

declare global {
  interface Window {
    workstation?: WorkstationApi;
  }
}

export {};
