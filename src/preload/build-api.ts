// Runs in the sandboxed preload and in tests: no Node, no Electron import.
import { type ChannelName, channelNames, splitChannelName } from '../shared/ipc/channel-names';
import type { ClinicApi } from '../shared/ipc/contract';

export type Invoke = (channel: ChannelName, request: unknown) => Promise<unknown>;

/**
 * Builds `window.clinic` from the contract's channel names: one frozen function per
 * channel, each bound to its own name. There is no way to pass a channel name in from the
 * page, so the page can reach nothing the contract does not list.
 */
export function buildApi(invoke: Invoke): ClinicApi {
  const api: Record<string, Record<string, (request: unknown) => Promise<unknown>>> = {};
  for (const name of channelNames) {
    const [domain, verb] = splitChannelName(name);
    const group = (api[domain] ??= {});
    group[verb] = (request: unknown) => invoke(name, request ?? {});
  }
  for (const group of Object.values(api)) Object.freeze(group);
  return Object.freeze(api) as unknown as ClinicApi;
}
