import { describe, expect, it, vi } from 'vitest';

import { channelNames } from '../shared/ipc/channel-names';
import { buildApi } from './build-api';

describe('preload API', () => {
  it('has one frozen function per contract channel, and nothing generic', async () => {
    const invoke = vi.fn(async (channel: string, request: unknown) => ({ channel, request }));
    const api = buildApi(invoke) as unknown as Record<string, Record<string, (r?: unknown) => Promise<unknown>>>;
    const built = Object.entries(api).flatMap(([domain, group]) => Object.keys(group).map((verb) => `${domain}:${verb}`));
    expect(built.sort()).toEqual([...channelNames].sort());
    expect(Object.isFrozen(api)).toBe(true);
    for (const group of Object.values(api)) expect(Object.isFrozen(group)).toBe(true);
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('ipcRenderer');

    for (const name of channelNames) {
      const [domain, verb] = name.split(':') as [string, string];
      await api[domain]?.[verb]?.({ x: 1 });
      expect(invoke).toHaveBeenLastCalledWith(name, { x: 1 });
    }
    await api.app?.info?.();
    expect(invoke).toHaveBeenLastCalledWith('app:info', {});
  });
});
