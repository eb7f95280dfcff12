// Runs in the renderer: DOM only, no Node.
// main, as the preload exposes it: one method per channel, grouped by domain
// (`clinic.people.list(request)`). Here every method always resolves to a result, never
// throws: a failure of the bridge itself becomes the `offline` error.
import type { EventName } from '../../../shared/ipc/channel-names';
import type { ClinicApi, EventPayload } from '../../../shared/ipc/contract';
import type { IpcError, IpcResult } from '../../../shared/ipc/errors';

/** The error used when the preload did not expose the API at all (the page is not in the app). */
export const offlineError: IpcError = { code: 'internal', message: 'offline' };

type Methods = Omit<ClinicApi, 'subscribe'>;
type Method = (request: unknown) => Promise<IpcResult<unknown>>;

const offline: Method = async () => ({ ok: false, error: offlineError });

/** Outside the app every method answers `offline`. */
const absent = new Proxy({}, { get: () => new Proxy({}, { get: () => offline }) }) as Methods;

function wrap(bridge: ClinicApi): Methods {
  const groups: Record<string, Record<string, Method>> = {};
  for (const [domain, group] of Object.entries(bridge)) {
    if (typeof group !== 'object' || group === null) continue;
    groups[domain] = Object.fromEntries(
      Object.entries(group as Record<string, Method>).map(([verb, fn]) => [
        verb,
        async (request: unknown) => {
          try {
            return await fn(request);
          } catch {
            return { ok: false, error: offlineError };
          }
        },
      ]),
    );
  }
  return groups as unknown as Methods;
}

let methods: Methods | null = null;

/** The grouped API: `clinic().inbox.list({ query, filter })`. */
export function clinic(): Methods {
  if (methods) return methods;
  const bridge = window.clinic;
  if (!bridge) return absent;
  methods = wrap(bridge);
  return methods;
}

/** Listens to one of main's events; a no-op outside the app. */
export function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  const bridge = window.clinic;
  if (!bridge) return () => {};
  return bridge.subscribe(event, listener);
}
