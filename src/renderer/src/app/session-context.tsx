// Runs in the renderer: DOM only, no Node.
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import type { SessionStatus } from '../../../shared/profiles';
import { clinic, subscribe } from '../lib/api';

type SessionApi = {
  /** null until main has answered. */
  readonly status: SessionStatus | null;
  /** Applies a status a call returned (create, unlock, lock...). */
  readonly apply: (status: SessionStatus) => void;
  /** Asks main again, e.g. after the account joined a clinic and gained a role. */
  readonly refresh: () => Promise<void>;
};

const SessionContext = createContext<SessionApi | null>(null);

/**
 * Follows main's session: the answer to `session:status`, then every `session:changed`
 * event (idle lock, OS lock, menu). When the session locks, everything rendered under the
 * unlocked branch unmounts, and with it every piece of profile data the page held.
 */
export function SessionProvider({ children }: Readonly<{ children: ReactNode }>) {
  const [status, setStatus] = useState<SessionStatus | null>(null);

  useEffect(() => {
    let live = true;
    const unsubscribe = subscribe('session:changed', (next) => setStatus(next));
    void clinic().session.status({}).then((result) => {
      if (live && result.ok) setStatus((known) => known ?? result.value);
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);

  const apply = useCallback((next: SessionStatus) => setStatus(next), []);
  const refresh = useCallback(async () => {
    const result = await clinic().session.status({});
    if (result.ok) setStatus(result.value);
  }, []);
  const api = useMemo(() => ({ status, apply, refresh }), [status, apply, refresh]);
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSession must be used inside <SessionProvider>.');
  return api;
}
