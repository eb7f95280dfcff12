import { describe, expect, it, vi } from 'vitest';

import { channelNames, eventNames } from '../shared/ipc/channel-names';
import { buildApi } from './build-api';

describe('preload API', () => {
  it('has one frozen function per contract channel, and nothing generic', async () => {
    const invoke = vi.fn(async (channel: string, request: unknown) => ({ channel, request }));
    const api = buildApi(invoke, () => () => {}) as unknown as Record<string, Record<string, (r?: unknown) => Promise<unknown>>>;
    const built = Object.entries(api)
      .filter(([domain]) => domain !== 'subscribe')
      .flatMap(([domain, group]) => Object.keys(group).map((verb) => `${domain}:${verb}`));
    expect(built.sort()).toEqual([...channelNames].sort());
    expect(Object.isFrozen(api)).toBe(true);
    for (const group of Object.values(api)) if (typeof group === 'object') expect(Object.isFrozen(group)).toBe(true);
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

  it('subscribes only to the contract’s events, and passes the payload on', () => {
    const handlers = new Map<string, (payload: unknown) => void>();
    const removed: string[] = [];
    const api = buildApi(
      async () => null,
      (event, listener) => {
        handlers.set(event, listener);
        return () => removed.push(event);
      },
    );
    const seen: unknown[] = [];
    for (const event of eventNames) {
      const stop = api.subscribe(event, (payload) => seen.push(payload));
      handlers.get(event)?.({ from: event });
      stop();
    }
    expect(seen).toEqual(eventNames.map((event) => ({ from: event })));
    expect(removed).toEqual([...eventNames]);
    const subscribe = api.subscribe as unknown as (event: string, listener: unknown) => unknown;
    expect(() => subscribe('ipc:anything', () => {})).toThrow(TypeError);
    expect(() => subscribe('session:changed', 'not a function')).toThrow(TypeError);
  });
});
