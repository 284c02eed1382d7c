// What a host of the analysis panel lets the reviewer do with a suggested tag: accept it (tag the analysed frame)
// and know whether it is already a tag. Without a provider (a still image in the Library) the chips are read-only.
import { createContext, useContext } from 'react';
import type { SuggestedTag } from '../../../electron/api/schemas';

export interface SuggestedTagActions {
  isAccepted(frameId: number, tag: SuggestedTag): boolean;
  accept(frameId: number, tag: SuggestedTag): void;
}

export const SuggestedTagActionsContext = createContext<SuggestedTagActions | null>(null);

export function useSuggestedTagActions(): SuggestedTagActions | null {
  return useContext(SuggestedTagActionsContext);
}
