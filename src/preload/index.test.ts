import { describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: {
    invoke: vi.fn(async () => ({ ok: true, value: 'answer' })),
    on: vi.fn(),
    removeListener: vi.fn(),
  },
}));
vi.mock('electron', () => electron);

describe('preload entry', () => {
  it('exposes exactly one object, `clinic`, whose calls go to their own named channel', async () => {
    await import('./index');
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [key, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, Record<string, Record<string, (r: unknown) => Promise<unknown>>>];
    expect(key).toBe('clinic');
    expect(Object.values(api).some((group) => 'invoke' in group)).toBe(false);
    await expect(api.settings?.update?.({ theme: 'dark' })).resolves.toEqual({ ok: true, value: 'answer' });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith('settings:update', { theme: 'dark' });

    // Events reach the page as their payload alone: never the IPC event, which names the sender.
    const seen: unknown[] = [];
    const stop = (api as unknown as { subscribe: (e: string, l: (p: unknown) => void) => () => void }).subscribe('session:changed', (p) =>
      seen.push(p),
    );
    const [channel, handler] = electron.ipcRenderer.on.mock.calls[0] as unknown as [string, (event: unknown, payload: unknown) => void];
    expect(channel).toBe('session:changed');
    handler({ sender: 'secret' }, { state: 'signed-out' });
    expect(seen).toEqual([{ state: 'signed-out' }]);
    stop();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith('session:changed', handler);
  });
});
