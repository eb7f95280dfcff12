import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { createElectronMock } from '../../../tests/support/electron-mock';
import { channelNames } from '../../shared/ipc/channel-names';

const dataDir = mkdtempSync(join(tmpdir(), 'shell-'));
const mock = vi.hoisted(() => ({ current: null as ReturnType<typeof createElectronMock> | null }));

// The module object stays the same across vi.resetModules(); each export reads the mock of the current test.
vi.mock('electron', () => {
  const names = ['app', 'Menu', 'ipcMain', 'protocol', 'session', 'shell', 'dialog', 'powerMonitor', 'safeStorage'] as const;
  const current = () => {
    if (!mock.current) throw new Error('No Electron mock for this test.');
    return mock.current.module;
  };
  return {
    ...Object.fromEntries(names.map((name) => [name, new Proxy({}, { get: (_t, key) => Reflect.get(current()[name], key) })])),
    BrowserWindow: function BrowserWindow(options: Record<string, unknown>) {
      return new (current().BrowserWindow)(options);
    },
    Notification: Object.assign(
      function Notification(options: { title: string; body: string }) {
        return new (current().Notification)(options);
      },
      { isSupported: () => current().Notification.isSupported() },
    ),
  };
});

async function boot(options: { packaged?: boolean; lock?: boolean; devServer?: string } = {}) {
  vi.resetModules();
  const electron = createElectronMock();
  electron.module.app.isPackaged = options.packaged ?? true;
  electron.module.app.requestSingleInstanceLock.mockReturnValue(options.lock ?? true);
  mock.current = electron;
  vi.stubEnv('CLINIC_MESSENGER_DATA_DIR', dataDir);
  vi.stubEnv('ELECTRON_RENDERER_URL', options.devServer ?? '');
  vi.stubGlobal('__BUILD_COMMIT__', 'abc123');
  vi.stubGlobal('__BUILD_DATE__', '2026-11-23');
  const { startApp } = await import('./start');
  startApp();
  return electron;
}

function lastProfileId(sent: [string, unknown][]): string {
  const status = sent.map(([, payload]) => payload as { lastProfileId?: string }).findLast((p) => p.lastProfileId);
  return status?.lastProfileId ?? '';
}

async function bootReady(options: Parameters<typeof boot>[0] = {}) {
  const electron = await boot(options);
  electron.markReady();
  await electron.ready;
  await new Promise((resolve) => setTimeout(resolve, 0));
  return electron;
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
beforeEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('start-up, before ready', () => {
  it('enables the sandbox for every renderer, sets its own data folder and privileged scheme, all before ready', async () => {
    const electron = await boot();
    expect(electron.calls.slice(0, 3)).toEqual(['enableSandbox', 'setPath:userData', 'registerSchemesAsPrivileged']);
    expect(electron.module.app.setPath).toHaveBeenCalledWith('userData', dataDir);
    expect(electron.module.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    ]);
    expect(electron.windows).toHaveLength(0);
  });

  it('uses a folder of its own under the user’s app data when no override is set', async () => {
    vi.resetModules();
    const electron = createElectronMock();
    mock.current = electron;
    vi.stubEnv('CLINIC_MESSENGER_DATA_DIR', undefined as unknown as string);
    delete process.env.CLINIC_MESSENGER_DATA_DIR;
    vi.stubGlobal('__BUILD_COMMIT__', 'x');
    vi.stubGlobal('__BUILD_DATE__', 'x');
    const { prepareApp } = await import('./start');
    prepareApp();
    expect(electron.module.app.setPath).toHaveBeenCalledWith('userData', join('/home/user/.config', 'Clinic Messenger'));
  });

  it('quits at once, without a window, when another instance holds the lock', async () => {
    const electron = await bootReady({ lock: false });
    expect(electron.calls).toContain('quit');
    expect(electron.windows).toHaveLength(0);
    expect(electron.module.ipcMain.handle).not.toHaveBeenCalled();
  });
});

describe('start-up, once ready', () => {
  it('creates one window with every webPreferences item of the security checklist', async () => {
    const electron = await bootReady();
    expect(electron.windows).toHaveLength(1);
    const options = electron.windows[0]?.options as { webPreferences: Record<string, unknown>; show: boolean };
    expect(options.show).toBe(false);
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
      session: electron.fakeSession,
    });
    expect(String(options.webPreferences.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(options.webPreferences).not.toHaveProperty('partition');
  });

  it('hides the window from screenshots and screen sharing until a clinic policy says otherwise', async () => {
    const electron = await bootReady();
    expect(electron.windows[0]?.setContentProtection).toHaveBeenCalledWith(true);
  });

  it('loads the renderer from app://, never file://, and uses its own session partition', async () => {
    const electron = await bootReady();
    expect(electron.windows[0]?.loadURL).toHaveBeenCalledWith('app://renderer/index.html');
    expect(electron.module.session.fromPartition).toHaveBeenCalledWith('persist:clinic-messenger');
    expect(electron.fakeSession.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
  });

  it('serves the renderer through the scheme with the CSP as a response header', async () => {
    const electron = await bootReady();
    const handler = electron.fakeSession.protocol.handle.mock.calls[0]?.[1] as (r: Request) => Promise<Response>;
    const traversal = await handler(new Request('app://renderer/%2e%2e/%2e%2e/package.json'));
    expect(traversal.status).not.toBe(200);
    const missing = await handler(new Request('app://renderer/nothing-here.js'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('denies every permission request and check', async () => {
    const electron = await bootReady();
    const request = electron.fakeSession.setPermissionRequestHandler.mock.calls[0]?.[0] as (...a: unknown[]) => void;
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      request({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
    }
    const check = electron.fakeSession.setPermissionCheckHandler.mock.calls[0]?.[0] as (...a: unknown[]) => boolean;
    expect(check({}, 'media', 'app://renderer', {})).toBe(false);
    const device = electron.fakeSession.setDevicePermissionHandler.mock.calls[0]?.[0] as (...a: unknown[]) => boolean;
    expect(device({})).toBe(false);
  });

  it('registers exactly one IPC handler per contract channel', async () => {
    const electron = await bootReady();
    expect([...electron.ipcHandlers.keys()].sort()).toEqual([...channelNames].sort());
  });

  it('answers a call from the app window’s top frame, and refuses sub-frames, other windows and other origins', async () => {
    const electron = await bootReady();
    const handler = electron.ipcHandlers.get('app:info');
    if (!handler) throw new Error('no app:info handler');
    const ownId = electron.windows[0]?.webContents.id ?? -1;
    const event = (url: string, senderId: number, parent: unknown = null) => ({
      sender: { id: senderId },
      senderFrame: { url, parent },
    });
    await expect(handler(event('app://renderer/index.html', ownId), {})).resolves.toMatchObject({
      ok: true,
      value: { host: 'electron', version: '0.1.0', build: { commit: 'abc123' } },
    });
    for (const bad of [
      event('app://renderer/index.html', ownId, { url: 'app://renderer/index.html' }),
      event('app://renderer/index.html', ownId + 100),
      event('https://evil.example/', ownId),
      event('file:///etc/passwd', ownId),
      { sender: { id: ownId }, senderFrame: null },
    ]) {
      await expect(handler(bad, {})).resolves.toMatchObject({ ok: false, error: { code: 'sender-rejected' } });
    }
  });

  it('reports in the readiness checks what it observes: --no-sandbox, and a page served without its CSP', async () => {
    const electron = await bootReady();
    electron.module.app.commandLine.switches.add('no-sandbox');
    const handler = electron.ipcHandlers.get('diagnostics:run');
    const ownId = electron.windows[0]?.webContents.id ?? -1;
    const result = (await handler?.({ sender: { id: ownId }, senderFrame: { url: 'app://renderer/index.html', parent: null } }, {})) as {
      ok: boolean;
      value: { checks: { id: string; status: string; detailValues: Record<string, string> }[] };
    };
    expect(result.ok).toBe(true);
    const shell = result.value.checks.find((c) => c.id === 'shell-hardening');
    // In this test the renderer folder next to the source does not exist, so no page carries the CSP.
    expect(shell).toMatchObject({ status: 'fail', detailValues: { missing: 'sandbox (--no-sandbox), Content-Security-Policy' } });
  });

  it('trusts the dev server only in development, and sends it the same headers with a dev CSP', async () => {
    const electron = await bootReady({ packaged: false, devServer: 'http://localhost:5173/' });
    expect(electron.windows[0]?.loadURL).toHaveBeenCalledWith('http://localhost:5173/');
    expect(electron.windows[0]?.options).toMatchObject({ webPreferences: { devTools: true } });
    const onHeaders = electron.fakeSession.webRequest.onHeadersReceived.mock.calls[0] as unknown[];
    expect(onHeaders[0]).toEqual({ urls: ['http://localhost:5173/*'] });
    const callback = vi.fn();
    (onHeaders[1] as (d: unknown, cb: unknown) => void)({ responseHeaders: {} }, callback);
    const headers = callback.mock.calls[0]?.[0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']?.[0]).toMatch(/^default-src 'none'/);

    const packaged = await bootReady({ packaged: true, devServer: 'http://localhost:5173/' });
    expect(packaged.windows[0]?.loadURL).toHaveBeenCalledWith('app://renderer/index.html');
    expect(packaged.fakeSession.webRequest.onHeadersReceived).not.toHaveBeenCalled();
  });

  it('builds the menu in the system language and hides developer items when packaged', async () => {
    const electron = await bootReady({ packaged: true });
    const template = electron.module.Menu.buildFromTemplate.mock.calls[0]?.[0] as {
      label: string;
      submenu: { role?: string; label?: string; accelerator?: string }[];
    }[];
    expect(template.map((m) => m.label)).toEqual(['Fichier', 'Édition', 'Affichage', 'Fenêtre']);
    expect(template[0]?.submenu[0]).toMatchObject({ label: 'Verrouiller maintenant', accelerator: 'CmdOrCtrl+L' });
    const roles = template.flatMap((m) => m.submenu.map((i) => i.role));
    expect(roles).not.toContain('toggleDevTools');
    expect(roles).not.toContain('reload');
  });

  it('hardens every web contents: no navigation out, no new windows, no webviews', async () => {
    const electron = await bootReady();
    const contents = new electron.FakeWebContents();
    electron.module.app.emit('web-contents-created', {}, contents);

    const navigate = { preventDefault: vi.fn() };
    contents.emit('will-navigate', navigate, 'https://evil.example/');
    expect(navigate.preventDefault).toHaveBeenCalled();
    const inApp = { preventDefault: vi.fn() };
    contents.emit('will-navigate', inApp, 'app://renderer/index.html');
    expect(inApp.preventDefault).not.toHaveBeenCalled();
    const redirect = { preventDefault: vi.fn() };
    contents.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.preventDefault).toHaveBeenCalled();
    const frame = { url: 'https://evil.example/', preventDefault: vi.fn() };
    contents.emit('will-frame-navigate', frame);
    expect(frame.preventDefault).toHaveBeenCalled();

    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://renderer/index.html' })).toEqual({ action: 'deny' });
    // Nothing is on the allow-list today, so nothing opened in the browser either.
    expect(electron.module.shell.openExternal).not.toHaveBeenCalled();
  });

  it('locks the unlocked profile when the computer locks or sleeps, and tells the window', async () => {
    const electron = await bootReady();
    const window = electron.windows[0];
    if (!window) throw new Error('no window');
    const call = (channel: string, payload: unknown) =>
      electron.ipcHandlers.get(channel)?.({ sender: { id: window.webContents.id }, senderFrame: { url: 'app://renderer/index.html', parent: null } }, payload);
    for (const reason of ['lock-screen', 'suspend'] as const) {
      const created = (await call(reason === 'lock-screen' ? 'profiles:create' : 'profiles:unlock', {
        ...(reason === 'lock-screen' ? { displayName: 'Léa' } : { profileId: lastProfileId(window.webContents.sent) }),
        passphrase: 'copper lantern orbit meadow 47',
      })) as { ok: boolean };
      expect(created.ok).toBe(true);
      electron.module.powerMonitor.emit(reason);
      await vi.waitFor(() =>
        expect(window.webContents.sent.at(-1)).toEqual([
          'session:changed',
          expect.objectContaining({ state: 'signed-out', lockReason: reason === 'lock-screen' ? 'os-lock' : 'suspend' }),
        ]),
      );
    }
  });

  it('focuses the existing window when a second instance starts', async () => {
    const electron = await bootReady();
    const window = electron.windows[0];
    if (!window) throw new Error('no window');
    const focus = vi.spyOn(window, 'focus');
    electron.module.app.emit('second-instance');
    expect(focus).toHaveBeenCalled();
  });
});
