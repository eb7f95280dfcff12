#!/usr/bin/env node
// Runs Electronegativity on src/ with the Electron version the app uses, and fails on any
// HIGH or MEDIUM finding that is not accepted, with a justification, in
// security/electronegativity-allowlist.json. Also fails on allow-list entries that no
// longer match a finding, so the list cannot silently rot.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const reportDir = join(root, 'test-results', 'security');
const csvFile = join(reportDir, 'electronegativity.csv');

/** RFC 4180 CSV: quoted fields may hold commas, quotes and line breaks. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Splits findings into accepted and not accepted; also returns allow-list entries that matched nothing. */
export function judge(findings, accepted) {
  const remaining = accepted.map((entry) => ({ entry, left: entry.count ?? 1 }));
  const unaccepted = [];
  for (const finding of findings) {
    const match = remaining.find(
      (r) => r.left > 0 && r.entry.check === finding.check && r.entry.file === finding.file && r.entry.sample === finding.sample,
    );
    if (match) match.left--;
    else unaccepted.push(finding);
  }
  const stale = remaining.filter((r) => r.left > 0).map((r) => r.entry);
  return { unaccepted, stale };
}

/** A finding row: 8 fields, a check name, a known severity, a file under src. */
export function wellFormedRow(row) {
  return (
    row.length === 8 &&
    /^[A-Z_]+$/.test(row[0] ?? '') &&
    ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'].includes(row[1] ?? '') &&
    /^[\w./-]+$/.test(row[3] ?? '')
  );
}

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry.name)) yield full;
  }
}

/**
 * Electronegativity skips a file it cannot parse without saying so. Parse every source
 * file first with the parser and plugins it uses, and stop if one would be skipped.
 */
function filesTheScanCannotRead(scannerDir) {
  const babel = createRequire(join(scannerDir, 'package.json'))('@babel/parser');
  const plugins = ['jsx', 'objectRestSpread', 'classProperties', 'optionalCatchBinding', 'asyncGenerators', 'decorators-legacy', 'typescript', 'dynamicImport'];
  const unreadable = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    try {
      babel.parse(readFileSync(file, 'utf8'), { sourceType: 'module', plugins });
    } catch (error) {
      unreadable.push(`${file.slice(root.length + 1)}: ${error.message}`);
    }
  }
  return unreadable;
}

function main() {
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });
  const scannerDir = join(root, 'node_modules', '@doyensec', 'electronegativity');
  const unreadable = filesTheScanCannotRead(scannerDir);
  if (unreadable.length > 0) {
    console.error('Security scan: Electronegativity would silently skip these files, which it cannot parse:');
    for (const line of unreadable) console.error(`  ${line}`);
    process.exit(1);
  }
  const bin = join(scannerDir, 'dist', 'index.js');
  // Electronegativity now and then writes a mangled CSV (a row cut short at the start of the
  // file). A report whose rows do not all have the expected shape is thrown away and the scan
  // run again, so a mangled report can neither hide a finding nor fail a clean build.
  let header;
  let rows;
  for (let attempt = 1; ; attempt += 1) {
    const run = spawnSync(process.execPath, [bin, '-i', join(root, 'src'), '-e', electronVersion, '-r', '-v', 'false', '-o', csvFile], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    writeFileSync(join(reportDir, 'electronegativity.log'), `${run.stdout ?? ''}\n${run.stderr ?? ''}`);
    let csv;
    try {
      csv = readFileSync(csvFile, 'utf8');
    } catch {
      console.error('Security scan: Electronegativity wrote no report; see test-results/security/electronegativity.log.');
      process.exit(1);
    }
    [header, ...rows] = parseCsv(csv);
    if (header?.[0]?.trim() === 'issue' && rows.every(wellFormedRow)) break;
    if (attempt === 3) {
      console.error('Security scan: the report is not in the expected CSV format, three times in a row.');
      process.exit(1);
    }
    console.warn(`Security scan: the report came out mangled (attempt ${attempt}); scanning again.`);
  }
  const findings = rows.map(([check, severity, confidence, file, location, sample, description]) => ({
    check,
    severity,
    confidence,
    file,
    location,
    sample,
    description,
  }));
  const serious = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM');
  const { accepted } = JSON.parse(readFileSync(join(root, 'security', 'electronegativity-allowlist.json'), 'utf8'));
  for (const entry of accepted) {
    if (!entry.justification || entry.justification.trim().length < 40) {
      console.error(`Security scan: the allow-list entry for ${entry.check} in ${entry.file} has no real justification.`);
      process.exit(1);
    }
  }
  const { unaccepted, stale } = judge(serious, accepted);
  console.log(
    `Security scan (Electronegativity, Electron ${electronVersion}): ${findings.length} finding(s), ${serious.length} HIGH/MEDIUM, ${serious.length - unaccepted.length} accepted in the allow-list.`,
  );
  for (const f of unaccepted) console.error(`  NOT ACCEPTED ${f.severity} ${f.check} ${f.file}:${f.location} ${f.sample} (${f.description})`);
  for (const e of stale) console.error(`  STALE allow-list entry: ${e.check} ${e.file} "${e.sample}" matches no finding; remove it.`);
  if (unaccepted.length > 0 || stale.length > 0) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
