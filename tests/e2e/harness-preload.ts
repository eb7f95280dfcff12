// Bundled by global-setup.ts into a classic script and injected with addInitScript: the
// test harness's stand-in for src/preload/index.ts. It uses the same buildApi, so the page
// sees exactly the object the real preload exposes; only the transport differs.
import { buildApi } from '../../src/preload/build-api';

type Listener = (payload: unknown) => void;

declare global {
  interface Window {
    __clinicInvoke?: (channel: string, request: unknown) => Promise<unknown>;
    __clinicDeliver?: (event: string, payload: unknown) => void;
  }
}

const invoke = window.__clinicInvoke;
const listeners = new Map<string, Set<Listener>>();
if (invoke) {
  Object.defineProperty(window, '__clinicDeliver', {
    value: (event: string, payload: unknown) => listeners.get(event)?.forEach((listener) => listener(payload)),
  });
  Object.defineProperty(window, 'clinic', {
    value: buildApi(
      (channel, request) => invoke(channel, request),
      (event, listener) => {
        const set = listeners.get(event) ?? new Set<Listener>();
        listeners.set(event, set);
        set.add(listener);
        return () => set.delete(listener);
      },
    ),
    writable: false,
    configurable: false,
    enumerable: false,
  });
}
