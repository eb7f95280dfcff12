// Bundled by global-setup.ts into a classic script and injected with addInitScript: the
// test harness's stand-in for src/preload/index.ts. It uses the same buildApi, so the page
// sees exactly the object the real preload exposes; only the transport differs.
import { buildApi } from '../../src/preload/build-api';

declare global {
  interface Window {
    __clinicInvoke?: (channel: string, request: unknown) => Promise<unknown>;
  }
}

const invoke = window.__clinicInvoke;
if (invoke) {
  Object.defineProperty(window, 'clinic', {
    value: buildApi((channel, request) => invoke(channel, request)),
    writable: false,
    configurable: false,
    enumerable: false,
  });
}
