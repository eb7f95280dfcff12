#!/usr/bin/env node
// Import boundaries, enforced: where each part of src/ may run decides what it may import.
//   renderer  DOM only: no Node built-ins, no Electron, nothing from main/preload/relay.
//   shared    runs anywhere: only the packages listed below, nothing environment-specific.
//   preload   sandboxed: Electron and shared code only.
//   main      never imports renderer code, nor the relay: only its one seam,
//             src/main/network/embedded-relay.ts, starts the relay inside the app.
//   relay     Node only, never Electron, never main.
//   portal    the patient's browser: DOM only; it does its own crypto with libsodium (WebAssembly).
//   no src/ file imports the tools (tools/: seed, bench, demo, headless clients) or the tests.
// Usage: node scripts/check-boundaries.mjs [root]   (exit 1 and one line per violation)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isBuiltin = (spec) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** Packages src/shared may use: pure, no Node, no DOM. */
const sharedPackages = new Set(['zod', '@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en', '@zxcvbn-ts/language-fr']);
const nativeOrMainOnly = new Set(['electron', 'better-sqlite3-multiple-ciphers', 'libsodium-wrappers-sumo']);

/** Which part of src/ a file belongs to, by its path relative to the root. */
export function zoneOf(relPath) {
  const parts = relPath.split(/[\\/]/);
  if (parts[0] !== 'src') return null;
  return ['main', 'preload', 'renderer', 'shared', 'relay', 'portal'].includes(parts[1]) ? parts[1] : null;
}

/** The only main file that may import the relay: it starts the clinic's server inside the app. */
const embeddedRelaySeam = 'src/main/network/embedded-relay.ts';

const rules = {
  renderer: { zones: ['renderer', 'shared'], allowPackage: (p) => !nativeOrMainOnly.has(p), builtins: false },
  portal: { zones: ['portal', 'shared'], allowPackage: (p) => p === 'libsodium-wrappers-sumo' || !nativeOrMainOnly.has(p), builtins: false },
  shared: { zones: ['shared'], allowPackage: (p) => sharedPackages.has(p), builtins: false },
  preload: { zones: ['preload', 'shared'], allowPackage: (p) => p === 'electron', builtins: false },
  main: { zones: ['main', 'shared', 'preload'], allowPackage: () => true, builtins: true },
  relay: { zones: ['relay', 'shared'], allowPackage: (p) => p !== 'electron', builtins: true },
};

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield full;
  }
}

/** Returns one `file:line: message` string per forbidden import under root/src. */
export function checkBoundaries(root) {
  const violations = [];
  const srcDir = join(root, 'src');
  for (const file of sourceFiles(srcDir)) {
    const rel = relative(root, file);
    const zone = zoneOf(rel);
    if (!zone) continue;
    const rule = rules[zone];
    const text = readFileSync(file, 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName: spec, pos } of importedFiles) {
      const line = text.slice(0, pos).split('\n').length;
      const where = `${rel.split(sep).join('/')}:${line}`;
      if (spec.startsWith('.')) {
        const targetPath = relative(root, resolve(dirname(file), spec));
        const target = zoneOf(targetPath);
        const top = targetPath.split(/[\\/]/)[0];
        if (top !== 'src') violations.push(`${where}: ${zone} code may not import from ${top}/ ('${spec}')`);
        else if (target === 'relay' && zone === 'main' && rel.split(sep).join('/') === embeddedRelaySeam) continue;
        else if (target && !rule.zones.includes(target)) violations.push(`${where}: ${zone} code may not import ${target} code ('${spec}')`);
        continue;
      }
      if (isBuiltin(spec)) {
        if (!rule.builtins) violations.push(`${where}: ${zone} code may not import the Node.js module '${spec}'`);
        continue;
      }
      if (!rule.allowPackage(packageName(spec))) violations.push(`${where}: ${zone} code may not import the package '${spec}'`);
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkBoundaries(root);
  if (violations.length > 0) {
    console.error(`Import boundaries: ${violations.length} violation(s)`);
    for (const v of violations) console.error(`  ${v}`);
    process.exit(1);
  }
  console.log('Import boundaries: no violations.');
}
