// Runs in main (Node): the relay started inside the desktop app, for a clinic that works
// from one computer. Same code as `npm run relay`, bound to 127.0.0.1 only, its data in the
// app's data folder (separate from every profile: it holds only ciphertext and public keys).
// The one file of main that imports the relay (scripts/check-boundaries.mjs enforces it).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { type RelayLogger } from '../../relay/log';
import { type Relay, startRelay } from '../../relay/server';

export const EMBEDDED_RELAY_DIR = 'relay';

/** The running relay as the rest of main sees it (the relay's own modules stay behind this seam). */
export type EmbeddedRelay = Relay;
export const EMBEDDED_HOST = '127.0.0.1';

export type EmbeddedRelayOptions = {
  /** The app's data folder; the relay keeps its files in `<dataDir>/relay`. */
  readonly dataDir: string;
  /** 0 picks a free port; pass the previous port to keep the same address across restarts. */
  readonly port?: number;
  readonly logger?: RelayLogger;
  /** The built patient portal to serve; by default `out/portal` when one is found (null: none). */
  readonly portalDir?: string | null;
  /** The relay's clock (expiry of codes, message times); tests pin it. */
  readonly now?: () => number;
};

/**
 * Where the built portal is, if anywhere: beside the app's built files (`out/main` →
 * `out/portal`), else `out/portal` under the working folder (the repository in development
 * and tests), else from the source file's place (`src/main/network` → `out/portal`).
 */
export function findPortalDir(moduleDir: string = import.meta.dirname, cwd: string = process.cwd()): string | null {
  const candidates = [resolve(moduleDir, '..', 'portal'), join(cwd, 'out', 'portal'), resolve(moduleDir, '..', '..', '..', 'out', 'portal')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** Starts the embedded relay. Its setup token is returned only on the very first start. */
export async function startEmbeddedRelay(options: EmbeddedRelayOptions): Promise<EmbeddedRelay> {
  const portalDir = options.portalDir === undefined ? findPortalDir() : options.portalDir;
  return startRelay({
    dataDir: join(options.dataDir, EMBEDDED_RELAY_DIR),
    host: EMBEDDED_HOST,
    port: options.port ?? 0,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(portalDir ? { portalDir } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
