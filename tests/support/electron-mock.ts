import { EventEmitter } from 'node:events';

import { vi } from 'vitest';

/**
 * A stand-in for the `electron` module, recording what the shell asks of it. Only the
 * Electron boundary is mocked: everything behind it (router, services, protocol handler)
 * is the real code.
 */
export function createElectronMock() {
  const calls: string[] = [];
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  class FakeWebContents extends EventEmitter {
    static nextId = 1;
    readonly id = FakeWebContents.nextId++;
    readonly sent: [string, unknown][] = [];
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.windowOpenHandler = handler;
    }
  }

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    enableSandbox: vi.fn(() => calls.push('enableSandbox')),
    setPath: vi.fn((name: string, _value: string) => calls.push(`setPath:${name}`)),
    getPath: vi.fn((name: string) => (name === 'appData' ? '/home/user/.config' : `/tmp/clinic-messenger-test-${name}`)),
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(() => calls.push('quit')),
    whenReady: vi.fn(() => ready),
    getName: vi.fn(() => 'Clinic Messenger'),
    getVersion: vi.fn(() => '0.1.0'),
    getPreferredSystemLanguages: vi.fn(() => ['fr-CA', 'en-CA']),
    commandLine: { switches: new Set<string>(), hasSwitch(name: string) { return this.switches.has(name); } },
  });

  const sessionProtocol = { handle: vi.fn() };
  const fakeSession = {
    protocol: sessionProtocol,
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    setDevicePermissionHandler: vi.fn(),
    setDisplayMediaRequestHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn() },
  };

  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    readonly loadURL = vi.fn(async (_url: string) => {});
    readonly show = vi.fn();
    readonly setContentProtection = vi.fn();
    constructor(readonly options: Record<string, unknown>) {
      super();
      calls.push('BrowserWindow');
      windows.push(this);
    }
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }

  const ipcHandlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Menu: { buildFromTemplate: vi.fn((template: unknown) => ({ template })), setApplicationMenu: vi.fn() },
    ipcMain: {
      handle: vi.fn((channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) => {
        if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        ipcHandlers.set(channel, handler);
      }),
    },
    protocol: { registerSchemesAsPrivileged: vi.fn(() => calls.push('registerSchemesAsPrivileged')) },
    session: { fromPartition: vi.fn(() => fakeSession) },
    shell: { openExternal: vi.fn(async () => {}) },
    dialog: {
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
      showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })),
    },
    powerMonitor: Object.assign(new EventEmitter(), { getSystemIdleTime: vi.fn(() => 0) }),
    safeStorage: {
      isEncryptionAvailable: vi.fn(() => true),
      getSelectedStorageBackend: vi.fn(() => 'basic_text'),
      encryptString: vi.fn((text: string) => Buffer.from(text)),
      decryptString: vi.fn((data: Buffer) => data.toString()),
    },
    Notification: Object.assign(
      vi.fn(function FakeNotification(options: { title: string; body: string }) {
        return { options, show: vi.fn(), on: vi.fn() };
      }),
      { isSupported: vi.fn(() => true) },
    ),
    contextBridge: { exposeInMainWorld: vi.fn() },
    ipcRenderer: { invoke: vi.fn(async () => ({ ok: true, value: null })) },
  };

  return { module, calls, windows, ipcHandlers, fakeSession, FakeWebContents, markReady: () => resolveReady(), ready };
}

export type ElectronMock = ReturnType<typeof createElectronMock>;
