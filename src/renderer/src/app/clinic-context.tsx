// Runs in the renderer: DOM only, no Node.
// This account's clinic status (membership, role, the clinic's stated rules), asked of main
// once per unlocked account and shared by every screen: the clinic entry, the consent flow,
// the inbox and the rules editor read it here instead of asking main each time. Asked again
// when main says the clinic's data changed (new rules arrive with the directory), one
// question at a time.
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';

import type { ClinicStatus } from '../../../shared/clinic';
import type { IpcError } from '../../../shared/ipc/errors';
import { clinic, subscribe } from '../lib/api';

type ClinicStatusApi = {
  /** null until main has answered (or when it could not: see `error`). */
  readonly status: ClinicStatus | null;
  readonly error: IpcError | null;
  /** Applies a status a call returned (set up, join, approval, new rules). */
  readonly apply: (status: ClinicStatus) => void;
  readonly refresh: () => Promise<void>;
};

const ClinicStatusContext = createContext<ClinicStatusApi | null>(null);

export function ClinicStatusProvider({ children }: Readonly<{ children: ReactNode }>) {
  const [status, setStatus] = useState<ClinicStatus | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const apply = useCallback((next: ClinicStatus) => {
    setStatus(next);
    setError(null);
  }, []);
  const asking = useRef<Promise<void> | null>(null);
  const refresh = useCallback(async () => {
    asking.current ??= (async () => {
      const result = await clinic().clinic.status({});
      if (result.ok) apply(result.value);
      else setError(result.error);
    })().finally(() => {
      asking.current = null;
    });
    return asking.current;
  }, [apply]);
  useEffect(() => {
    void refresh();
    return subscribe('inbox:changed', () => void refresh());
  }, [refresh]);
  const api = useMemo(() => ({ status, error, apply, refresh }), [status, error, apply, refresh]);
  return <ClinicStatusContext.Provider value={api}>{children}</ClinicStatusContext.Provider>;
}

export function useClinicStatus(): ClinicStatusApi {
  const api = useContext(ClinicStatusContext);
  if (!api) throw new Error('useClinicStatus must be used inside <ClinicStatusProvider>.');
  return api;
}
