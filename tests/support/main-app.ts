// The real main-process services, without Electron or a window, called the way the renderer
// calls them: through the router, from the app's origin. For integration tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createMemoryLogger } from '../../src/main/log';
import { type MainServices, type MainServicesOptions, createMainServices } from '../../src/main/services/main-services';
import { createTestKeystore } from './test-keystore';

export const appOrigin = 'app://renderer';

export type TestApp = MainServices & {
  readonly dataDir: string;
  /** Where the next "save file" dialog answers (null: Cancel). */
  readonly savePath: { value: string | null };
  call<T = unknown>(channel: string, payload?: unknown): Promise<T>;
  close(): Promise<void>;
};

/** Options: `now` pins the app's clock (and its embedded relay's); see `tests/support/clock.ts`. */
export async function startTestApp(options: Partial<Pick<MainServicesOptions, 'notify' | 'now' | 'emit' | 'portalCheck' | 'portalFetch' | 'securityNotice'>> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cm-app-'));
  const savePath = { value: null as string | null };
  const services = createMainServices({
    dataDir,
    appInfo: {
      name: 'Clinic Messenger',
      version: '0.1.0',
      host: 'browser-harness',
      packaged: false,
      build: { commit: 'test', date: '2026-11-23' },
      runtime: { node: process.versions.node, electron: null, chrome: null, platform: process.platform, arch: process.arch },
    },
    shell: () => ({ kind: 'browser-harness' }),
    trustedOrigins: [appOrigin],
    log: createMemoryLogger(),
    keystore: await createTestKeystore(),
    dialogs: { chooseBackupDestination: async () => savePath.value, chooseBackupToRestore: async () => null, chooseReceiptDestination: async () => savePath.value, chooseAttachmentDestination: async () => savePath.value, chooseExportDestination: async () => savePath.value },
    emit: () => undefined,
    ...options,
  });
  const call = async <T,>(channel: string, payload: unknown = {}): Promise<T> => {
    const result = await services.router.dispatch(channel, payload, { origin: appOrigin });
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value as T;
  };
  return Object.assign(services, {
    dataDir,
    savePath,
    call,
    async close() {
      await services.session.lock('manual');
      await services.clinic.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
