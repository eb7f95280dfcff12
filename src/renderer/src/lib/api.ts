// Runs in the renderer: DOM only, no Node.
import type { ChannelName, EventName } from '../../../shared/ipc/channel-names';
import type { ClinicApi, EventPayload, RequestOf, ResponseOf } from '../../../shared/ipc/contract';
import type { IpcError, IpcResult } from '../../../shared/ipc/errors';

/** The error used when the preload did not expose the API at all (the page is not in the app). */
export const offlineError: IpcError = { code: 'internal', message: 'offline' };

function api(): ClinicApi | undefined {
  return window.clinic;
}

/** Calls one channel by its contract name; always resolves to a result, never throws. */
export async function call<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>> {
  const clinic = api();
  const [domain, verb] = channel.split(':') as [string, string];
  const group = clinic ? (clinic as unknown as Record<string, Record<string, (r: unknown) => Promise<unknown>>>)[domain] : undefined;
  const fn = group?.[verb];
  if (!fn) return { ok: false, error: offlineError };
  try {
    return (await fn(request)) as IpcResult<ResponseOf<C>>;
  } catch {
    return { ok: false, error: offlineError };
  }
}

/** Listens to one of main's events; a no-op outside the app. */
export function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  const clinic = api();
  if (!clinic) return () => {};
  return clinic.subscribe(event, listener);
}
