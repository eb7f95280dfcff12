#!/usr/bin/env node
// `npm test`: every check the project has, in order, with one summary at the end.
//   typecheck → lint and import boundaries → unit and integration tests (vitest)
//   → build (app, then patient portal) → end-to-end tests in Chromium (+ Electron smoke test where a binary exists)
//   → security scan (Electronegativity with the reviewed allow-list).
// Every step runs even when an earlier one failed (except e2e after a failed build), so
// one run shows everything that is wrong. Exit code 1 if anything failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });
const vitestJson = join(results, 'vitest.json');
const playwrightJson = join(results, 'playwright.json');
rmSync(vitestJson, { force: true });
rmSync(playwrightJson, { force: true });

const bin = (name) => join(root, 'node_modules', '.bin', name);
const steps = [
  { name: 'typecheck', cmd: 'npm', args: ['run', '--silent', 'typecheck'] },
  { name: 'lint', cmd: 'npm', args: ['run', '--silent', 'lint'] },
  {
    name: 'unit and integration tests',
    cmd: bin('vitest'),
    args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
  },
  { name: 'build', cmd: bin('electron-vite'), args: ['build'] },
  { name: 'portal build', cmd: 'npm', args: ['run', '--silent', 'build:portal'], needs: 'build' },
  {
    name: 'end-to-end tests',
    cmd: bin('playwright'),
    args: ['test'],
    needs: 'portal build',
  },
  { name: 'security scan', cmd: process.execPath, args: [join(root, 'scripts', 'security-scan.mjs')] },
];

const outcome = new Map();
for (const step of steps) {
  if (step.needs && outcome.get(step.needs) !== 'ok') {
    outcome.set(step.name, 'not run');
    continue;
  }
  console.log(`\n=== ${step.name} ===`);
  const started = Date.now();
  const run = spawnSync(step.cmd, step.args, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  outcome.set(step.name, run.status === 0 ? 'ok' : 'FAILED');
  console.log(`--- ${step.name}: ${run.status === 0 ? 'ok' : 'FAILED'} in ${seconds} s`);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const vitest = readJson(vitestJson);
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
}
const playwright = readJson(playwrightJson);
if (playwright?.stats) {
  passed += playwright.stats.expected + playwright.stats.flaky;
  failed += playwright.stats.unexpected;
  skipped += playwright.stats.skipped;
}
const failedSteps = [...outcome].filter(([, v]) => v !== 'ok');

console.log('\n=== summary ===');
for (const [name, value] of outcome) console.log(`${value === 'ok' ? 'ok    ' : value.padEnd(6)} ${name}`);
if (failedSteps.length > 0 && failed === 0) failed = failedSteps.length;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedSteps.length > 0 ? 1 : 0);
