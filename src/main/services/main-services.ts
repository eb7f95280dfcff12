import type { AppInfo } from '../../shared/app-info';
import type { Caller } from '../../shared/roles';
import type { Logger } from '../log';
import { type Router, createRouter } from '../router/router';
import { type ShellStatus, runDiagnostics } from './diagnostics';
import { createSettingsStore } from './settings-store';

export type MainServicesOptions = {
  /** The app's own data folder (Electron's userData, or a temporary folder in tests). */
  readonly dataDir: string;
  readonly appInfo: AppInfo;
  readonly shell: () => ShellStatus | Promise<ShellStatus>;
  readonly trustedOrigins: readonly string[];
  readonly log: Logger;
};

/**
 * Everything main does for the renderer, without Electron: the Electron shell and the
 * browser test harness both build their router here, so the tests run the real thing.
 */
export function createMainServices(options: MainServicesOptions): { router: Router; settings: ReturnType<typeof createSettingsStore> } {
  const settings = createSettingsStore(options.dataDir, options.log);
  const caller = (): Caller => 'signed-out';
  const router = createRouter({
    trustedOrigins: options.trustedOrigins,
    caller,
    log: options.log,
    handlers: {
      'app:info': () => options.appInfo,
      'diagnostics:run': async () =>
        runDiagnostics({
          dataDir: options.dataDir,
          shell: await options.shell(),
          nodeVersion: options.appInfo.runtime.node,
          log: options.log,
        }),
      'settings:get': () => settings.get(),
      'settings:update': (patch) => settings.update(patch),
    },
  });
  return { router, settings };
}
