import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type MemoryLogger, createMemoryLogger } from '../../src/main/log';
import { type MainServices, createMainServices } from '../../src/main/services/main-services';
import { createAppProtocolHandler } from '../../src/main/shell/app-protocol';
import { productionCsp } from '../../src/main/shell/csp';
import { type TestKeystore, createTestKeystore } from '../support/test-keystore';
import { rendererRoot } from './global-setup';

type Deliver = (event: string, payload: unknown) => void;

export type Harness = MainServices & {
  readonly url: string;
  readonly origin: string;
  readonly dataDir: string;
  readonly log: MemoryLogger;
  readonly keystore: TestKeystore;
  /** What the "file dialogs" answer next: a path, or null for Cancel. */
  readonly dialogs: { savePath: string | null; openPath: string | null };
  /** Seconds of idleness the session's idle watch sees. */
  idleSeconds: number;
  /** Where main's events go: set by the page fixture. */
  deliver: Deliver | null;
  /** Main's clock (pinned when the test chose an instant), for the other apps and devices of the test. */
  readonly now: () => number;
  close(): Promise<void>;
};

/**
 * The real main-process services and the real renderer bundle, served over loopback by
 * the same protocol handler (and CSP header) the Electron shell uses for app://.
 */
export async function startHarness(options: { dataDir?: string; now?: () => number } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'clinic-e2e-'));
  const log = createMemoryLogger();
  let handler: ((request: Request) => Promise<Response>) | null = null;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const response = await (handler ?? (async () => new Response(null, { status: 503 })))(
        new Request(`http://${req.headers.host ?? 'invalid'}${req.url ?? '/'}`, { method: req.method ?? 'GET' }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  handler = createAppProtocolHandler({ root: rendererRoot, csp: productionCsp, host: `127.0.0.1:${port}` });

  const keystore = await createTestKeystore();
  const dialogs = { savePath: null as string | null, openPath: null as string | null };
  const harness = {} as Harness;
  const services = createMainServices({
    dataDir,
    appInfo: {
      name: 'Clinic Messenger',
      version: '0.1.0',
      host: 'browser-harness',
      packaged: false,
      build: { commit: 'test', date: new Date().toISOString().slice(0, 10) },
      runtime: { node: process.versions.node, electron: null, chrome: null, platform: process.platform, arch: process.arch },
    },
    shell: () => ({ kind: 'browser-harness' }),
    trustedOrigins: [origin],
    log,
    keystore,
    dialogs: {
      chooseBackupDestination: async () => dialogs.savePath,
      chooseBackupToRestore: async () => dialogs.openPath,
      chooseReceiptDestination: async () => dialogs.savePath,
      chooseAttachmentDestination: async () => dialogs.savePath,
      chooseExportDestination: async () => dialogs.savePath,
    },
    emit: (event, payload) => harness.deliver?.(event, payload),
    ...(options.now ? { now: options.now } : {}),
  });
  const stopIdleWatch = services.session.watchIdle(() => harness.idleSeconds, 100);

  return Object.assign(harness, services, {
    url: `${origin}/index.html`,
    origin,
    dataDir,
    log,
    keystore,
    dialogs,
    idleSeconds: 0,
    deliver: null,
    now: options.now ?? Date.now,
    async close() {
      stopIdleWatch();
      await services.session.lock('manual');
      await services.clinic.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
