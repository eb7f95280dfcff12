#!/usr/bin/env node
// `npm run bench:ui [-- --quick yes] [-- --no-build yes]`: the inbox in Chromium with 5,000
// conversations and 100,000 messages (tests/bench/inbox-ui.bench.ts). Builds the renderer
// (electron-vite build, unless --no-build yes), the e2e harness preload, and the bench itself
// with Vite (its imports are extensionless TypeScript), then runs it. Writes
// bench/results/inbox-ui.json. Not part of the test suite.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => a !== '--');
const noBuild = args.includes('--no-build') && args[args.indexOf('--no-build') + 1] === 'yes';
const benchArgs = [];
for (let i = 0; i < args.length; i += 2) {
  if (args[i] !== '--no-build') benchArgs.push(args[i], args[i + 1]);
}
const run = (command, commandArgs) => {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

if (!noBuild) run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
// The stand-in for the preload, as tests/e2e/global-setup.ts builds it.
await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: join(root, 'test-results', '.harness'),
    emptyOutDir: true,
    minify: false,
    lib: { entry: join(root, 'tests', 'e2e', 'harness-preload.ts'), formats: ['iife'], name: 'clinicHarnessPreload', fileName: () => 'preload.js' },
  },
});
// Two levels under the root, like tests/e2e/: the harness finds out/renderer relative to itself.
const outDir = join(root, 'out', 'bench-ui');
await build({
  configFile: false,
  logLevel: 'warn',
  root,
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    minify: false,
    target: 'node22',
    rollupOptions: { input: { 'inbox-ui': join(root, 'tests', 'bench', 'inbox-ui.bench.ts') }, output: { format: 'es', entryFileNames: '[name].mjs' } },
  },
});
run(process.execPath, [join(outDir, 'inbox-ui.mjs'), ...benchArgs]);
