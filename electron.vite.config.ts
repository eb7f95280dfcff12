import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

function buildCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const buildInfo = {
  __BUILD_COMMIT__: JSON.stringify(process.env.CLINIC_MESSENGER_BUILD_COMMIT ?? buildCommit()),
  __BUILD_DATE__: JSON.stringify(new Date().toISOString().slice(0, 10)),
};

export default defineConfig({
  main: {
    define: buildInfo,
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        // A sandboxed preload must be one CommonJS file: no ESM, no imports at run time.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } },
      // The CSP allows no inline scripts or styles, and no data: modules.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
    },
  },
});
