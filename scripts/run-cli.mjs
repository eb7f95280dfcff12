#!/usr/bin/env node
// Builds the command-line tools (seed, bench, demo, triage and audit-verify from tools/cli, the relay from src/relay) with Vite and runs one:
//   node scripts/run-cli.mjs seed -- --profile-dir DIR ...
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  seed: join(root, 'tools', 'cli', 'seed.ts'),
  bench: join(root, 'tools', 'cli', 'bench.ts'),
  demo: join(root, 'tools', 'cli', 'demo.ts'),
  triage: join(root, 'tools', 'cli', 'triage.ts'),
  'audit-verify': join(root, 'tools', 'cli', 'audit-verify.ts'),
  relay: join(root, 'src', 'relay', 'main.ts'),
};
const tools = Object.keys(entries);
const [tool, ...rest] = process.argv.slice(2);
if (!tools.includes(tool ?? '')) {
  console.error(`Usage: node scripts/run-cli.mjs <${tools.join('|')}> [-- options]`);
  process.exit(2);
}
await build({
  configFile: false,
  logLevel: 'warn',
  root,
  build: {
    ssr: true,
    outDir: join(root, 'out', 'cli'),
    emptyOutDir: true,
    minify: false,
    target: 'node22',
    rollupOptions: {
      input: entries,
      output: { format: 'es', entryFileNames: '[name].mjs' },
    },
  },
});
const args = rest[0] === '--' ? rest.slice(1) : rest;
// The benchmark collects garbage before each memory measurement.
const flags = tool === 'bench' ? ['--expose-gc'] : [];
const run = spawnSync(process.execPath, [...flags, join(root, 'out', 'cli', `${tool}.mjs`), ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
