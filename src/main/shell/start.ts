import { join } from 'node:path';

import { type BrowserWindow, Menu, Notification, app, dialog, ipcMain, powerMonitor, protocol, safeStorage, session, shell } from 'electron';

import { AppInfo } from '../../shared/app-info';
import { translate } from '../../shared/i18n/catalogs';
import { pickLanguage } from '../../shared/i18n/languages';
import { createFileLogger } from '../log';
import { originOf } from '../router/origin';
import type { ShellStatus } from '../services/diagnostics';
import { createMainServices } from '../services/main-services';
import { appEntryUrl, appOrigin, appScheme, createAppProtocolHandler } from './app-protocol';
import { developmentCsp, hardeningHeaders, productionCsp } from './csp';
import { defaultExternalAllowList } from './external-links';
import { registerIpc } from './ipc-bridge';
import { createMainWindow } from './main-window';
import { menuTemplate } from './menu';
import { createMessageNotifier, createSecurityNotifier } from './notifications';
import { safeStorageKeystore } from './safe-storage-keystore';
import { denyAllPermissions, hardenWebContents } from './web-contents';

/** The app's own session: nothing shared with a default session, a browser or another app. */
export const partitionName = 'persist:clinic-messenger';
export const appFolderName = 'Clinic Messenger';

declare const __BUILD_COMMIT__: string;
declare const __BUILD_DATE__: string;

/**
 * Must run before `app` is ready: these switches only take effect at start-up.
 * Returns false when another instance already runs (it gets focused instead).
 */
export function prepareApp(): boolean {
  app.enableSandbox();
  // The data folder is the app's own, never a shared browser profile. An IT-managed
  // install (or a test) can point it elsewhere with CLINIC_MESSENGER_DATA_DIR.
  app.setPath('userData', process.env.CLINIC_MESSENGER_DATA_DIR ?? join(app.getPath('appData'), appFolderName));
  protocol.registerSchemesAsPrivileged([
    { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  return true;
}

export function startApp(): void {
  if (!prepareApp()) return;

  const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
  const appOrigins = devServerUrl ? [appOrigin, originOf(devServerUrl)] : [appOrigin];
  const log = createFileLogger(join(app.getPath('userData'), 'logs', 'main.log'));
  let mainWindow: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, {
      appOrigins,
      externalAllowList: defaultExternalAllowList,
      openExternal: (url) => void shell.openExternal(url),
    });
  });

  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    const ses = session.fromPartition(partitionName);
    denyAllPermissions(ses);
    const csp = devServerUrl ? developmentCsp(devServerUrl) : productionCsp;
    const serveApp = createAppProtocolHandler({ root: join(import.meta.dirname, '../renderer'), csp });
    ses.protocol.handle(appScheme, serveApp);
    if (devServerUrl) {
      // In development the dev server serves the page; add the same headers to its answers.
      ses.webRequest.onHeadersReceived({ urls: [`${devServerUrl}*`] }, (details, callback) => {
        callback({ responseHeaders: { ...details.responseHeaders, ...toHeaderLists(hardeningHeaders), 'Content-Security-Policy': [csp] } });
      });
    }

    // New patient messages: worded as the clinic's policy allows (default: "New message" only).
    const notifier = createMessageNotifier({
      Notification,
      onClick: (patientId) => {
        if (!mainWindow || mainWindow.isDestroyed()) return;
        if (mainWindow.isMinimized()) mainWindow.restore();
        mainWindow.focus();
        // One conversation: open it (the page checks the id against its own list).
        if (patientId) mainWindow.webContents.send('inbox:open', { patientId });
      },
    });
    const userLanguage = (): 'en' | 'fr' => {
      const setting = services.settings.get().language;
      return setting === 'system' ? pickLanguage(app.getPreferredSystemLanguages()) : setting;
    };
    // The portal changed (ADR 16): told at once, even over the open window; no patient, no file named.
    const securityNotifier = createSecurityNotifier({
      Notification,
      onClick: () => {
        if (!mainWindow || mainWindow.isDestroyed()) return;
        if (mainWindow.isMinimized()) mainWindow.restore();
        mainWindow.focus();
      },
      text: () => ({ title: translate(userLanguage(), 'portalCheck.alertTitle'), body: translate(userLanguage(), 'portalCheck.notice') }),
    });
    const services = createMainServices({
      securityNotice: (kind) => void securityNotifier.notify(kind),
      notify: (notices, preview) => {
        notifier.notify(notices, {
          preview,
          language: userLanguage(),
          windowFocused: mainWindow !== null && !mainWindow.isDestroyed() && mainWindow.isFocused(),
        });
      },
      dataDir: app.getPath('userData'),
      appInfo: AppInfo.parse({
        name: app.getName(),
        version: app.getVersion(),
        host: 'electron',
        packaged: app.isPackaged,
        build: { commit: __BUILD_COMMIT__, date: __BUILD_DATE__ },
        runtime: {
          node: process.versions.node,
          electron: process.versions.electron ?? null,
          chrome: process.versions.chrome ?? null,
          platform: process.platform,
          arch: process.arch,
        },
      }),
      // Observed each time the checks run: how the app was started, and what the scheme really serves.
      shell: async (): Promise<ShellStatus> => ({
        kind: 'electron',
        sandboxSwitchedOff: app.commandLine.hasSwitch('no-sandbox'),
        debuggerOpen:
          app.commandLine.hasSwitch('remote-debugging-port') ||
          app.commandLine.hasSwitch('inspect') ||
          process.execArgv.some((arg) => arg.startsWith('--inspect')),
        cspHeader: devServerUrl ? csp.startsWith("default-src 'none'") : await servesWithCsp(serveApp),
      }),
      trustedOrigins: appOrigins,
      log,
      keystore: safeStorageKeystore(safeStorage, process.platform),
      dialogs: {
        async chooseBackupDestination(defaultName) {
          const options = {
            defaultPath: join(app.getPath('documents'), defaultName),
            filters: [{ name: 'Clinic Messenger backup', extensions: ['cmbackup'] }],
          };
          const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
          return result.canceled || !result.filePath ? null : result.filePath;
        },
        async chooseReceiptDestination(defaultName: string) {
          const options = { defaultPath: defaultName, filters: [{ name: 'PDF', extensions: ['pdf'] }] };
          const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
          return result.canceled || !result.filePath ? null : result.filePath;
        },
        async chooseAttachmentDestination(defaultName: string, type: string) {
          const extension = type === 'application/pdf' ? 'pdf' : type === 'image/png' ? 'png' : type === 'image/heic' ? 'heic' : 'jpg';
          const options = { defaultPath: join(app.getPath('downloads'), defaultName), filters: [{ name: extension.toUpperCase(), extensions: [extension] }] };
          const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
          return result.canceled || !result.filePath ? null : result.filePath;
        },
        async chooseExportDestination(defaultName: string, kind: 'csv' | 'json' | 'pdf') {
          const options = { defaultPath: join(app.getPath('documents'), defaultName), filters: [{ name: kind.toUpperCase(), extensions: [kind] }] };
          const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
          return result.canceled || !result.filePath ? null : result.filePath;
        },
        async chooseBackupToRestore() {
          const options = {
            properties: ['openFile' as const],
            filters: [{ name: 'Clinic Messenger backup', extensions: ['cmbackup'] }],
          };
          const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
          return result.canceled ? null : (result.filePaths[0] ?? null);
        },
      },
      emit: (event, payload) => {
        if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload);
      },
    });
    const { router, settings, session: clinicSession } = services;

    // Lock when the computer locks, sleeps, or sits idle for the set time.
    clinicSession.onSecurity((security) => {
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.setContentProtection(security.contentProtection);
    });
    powerMonitor.on('lock-screen', () => void clinicSession.lock('os-lock'));
    powerMonitor.on('suspend', () => void clinicSession.lock('suspend'));
    clinicSession.watchIdle(() => powerMonitor.getSystemIdleTime());
    app.on('before-quit', () => void clinicSession.lock('manual').then(() => services.clinic.close()));

    registerIpc({
      ipcMain,
      router,
      trustedOrigins: appOrigins,
      isAppWebContents: (id) => mainWindow !== null && !mainWindow.isDestroyed() && mainWindow.webContents.id === id,
      log,
    });

    const chosen = settings.get().language;
    const language = chosen === 'system' ? pickLanguage(app.getPreferredSystemLanguages()) : chosen;
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate(language, { development: !app.isPackaged, onLock: () => void clinicSession.lock('manual') }),
      ),
    );

    mainWindow = createMainWindow({
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      session: ses,
      icon: join(import.meta.dirname, '../../resources/icon.png'),
      devTools: !app.isPackaged,
      title: translate(language, 'app.name'),
    });
    // The clinic's rules may hide every window from screenshots and screen sharing (ADR 20);
    // before any policy is verified the strictest setting holds, so the window starts hidden.
    mainWindow.setContentProtection(clinicSession.security().contentProtection);
    mainWindow.once('ready-to-show', () => mainWindow?.show());
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    void mainWindow.loadURL(devServerUrl ?? appEntryUrl);
    log.info('app.started', { packaged: app.isPackaged });
  });
}

/** Asks the app's own scheme for the entry page and checks the policy it really sends. */
async function servesWithCsp(serve: (request: Request) => Promise<Response>): Promise<boolean> {
  const response = await serve(new Request(appEntryUrl, { method: 'HEAD' }));
  return response.status === 200 && response.headers.get('Content-Security-Policy')?.startsWith("default-src 'none'") === true;
}

function toHeaderLists(headers: Readonly<Record<string, string>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
}
