import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * Where the Electron binary would be, found without `require('electron')`: that call
 * starts a download when the binary is missing, which must never happen in a test.
 */
export function electronBinary(): string | null {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist');
  const candidate = join(dist, relative ?? 'electron');
  return existsSync(candidate) ? candidate : null;
}

export const noElectronMessage =
  'Electron smoke test skipped: there is no Electron binary on this machine (it is downloaded on the first `npm start` where the internet is reachable). The Electron shell is covered by unit tests with a mocked electron module.';
