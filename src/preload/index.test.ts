import { describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(async () => ({ ok: true, value: 'answer' })) },
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
  });
});
