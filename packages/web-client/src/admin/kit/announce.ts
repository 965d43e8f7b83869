import { createContext, useContext } from 'react';

/** Puts a message in the console's live region (role="status"), which stays put across page changes. */
export type Announce = (message: string) => void;

export const AnnounceContext = createContext<Announce>(() => undefined);

export function useAnnounce(): Announce {
  return useContext(AnnounceContext);
}
