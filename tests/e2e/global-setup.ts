import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { build } from 'vite';

import { electronBinary, noElectronMessage } from '../electron/binary';

export const rendererRoot = resolve(import.meta.dirname, '../../out/renderer');
export const harnessPreload = resolve(import.meta.dirname, '../../test-results/.harness/preload.js');
export const portalRoot = resolve(import.meta.dirname, '../../out/portal');

export default async function globalSetup(): Promise<void> {
  if (electronBinary() === null) console.log(noElectronMessage);
  if (!existsSync(resolve(rendererRoot, 'index.html'))) {
    throw new Error('The renderer is not built: run `npm run test:e2e`, which builds it first.');
  }
  // The patient portal (portal.spec.ts): `npm run test:e2e` builds it; build it here if missing.
  if (!existsSync(resolve(portalRoot, 'index.html'))) {
    await build({ configFile: resolve(import.meta.dirname, '../../vite.portal.config.ts'), logLevel: 'warn' });
  }
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: resolve(harnessPreload, '..'),
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: resolve(import.meta.dirname, 'harness-preload.ts'),
        formats: ['iife'],
        name: 'clinicHarnessPreload',
        fileName: () => 'preload.js',
      },
    },
  });
}
