// Builds the patient portal (src/portal) into out/portal, which the relay serves. The CSP
// the relay sends allows no inline scripts or styles and no data: modules, so nothing is
// inlined; libsodium's WebAssembly runs under 'wasm-unsafe-eval'. index.html loads its files
// with Subresource Integrity, and portal-files.json lists every file for IT to vouch for (ADR 16).
import { resolve } from 'node:path';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

import { portalIntegrity } from './tools/build/portal-integrity';

export default defineConfig({
  root: resolve(import.meta.dirname, 'src/portal'),
  base: '/',
  plugins: [react(), portalIntegrity()],
  // Argon2id runs in a module worker (src/portal/crypto/kdf-worker.ts).
  worker: { format: 'es' },
  build: {
    outDir: resolve(import.meta.dirname, 'out/portal'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/portal/index.html') } },
  },
});
