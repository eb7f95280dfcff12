// Runs in the sandboxed preload and in tests: no Node, no Electron import.
import { type ChannelName, type EventName, channelNames, eventNames, splitChannelName } from '../shared/ipc/channel-names';
import type { ClinicApi } from '../shared/ipc/contract';

export type Invoke = (channel: ChannelName, request: unknown) => Promise<unknown>;
/** Registers a listener for one event from main; returns the function that removes it. */
export type Listen = (event: EventName, listener: (payload: unknown) => void) => () => void;

/**
 * Builds `window.clinic` from the contract's names: one frozen function per channel, each
 * bound to its own name, and `subscribe`, which accepts only the contract's event names.
 * Nothing lets the page pass a channel name of its own, so it can reach nothing the
 * contract does not list.
 */
export function buildApi(invoke: Invoke, listen: Listen): ClinicApi {
  const api: Record<string, unknown> = {};
  for (const name of channelNames) {
    const [domain, verb] = splitChannelName(name);
    const group = (api[domain] ??= {}) as Record<string, (request: unknown) => Promise<unknown>>;
    group[verb] = (request: unknown) => invoke(name, request ?? {});
  }
  for (const group of Object.values(api)) Object.freeze(group);
  api.subscribe = (event: unknown, listener: unknown) => {
    const known = eventNames.find((name) => name === event);
    if (!known || typeof listener !== 'function') throw new TypeError('Unknown event or listener.');
    return listen(known, (payload) => (listener as (p: unknown) => void)(payload));
  };
  return Object.freeze(api) as unknown as ClinicApi;
}
