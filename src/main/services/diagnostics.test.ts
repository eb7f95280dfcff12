import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createMemoryLogger } from '../log';
import { checkDataFolder, checkRuntime, checkShell, runDiagnostics } from './diagnostics';

const dir = mkdtempSync(join(tmpdir(), 'diag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diagnostics', () => {
  it('runs every check for real and passes on a healthy machine', async () => {
    const report = await runDiagnostics({
      dataDir: dir,
      shell: { kind: 'electron', sandboxSwitchedOff: false, debuggerOpen: false, cspHeader: true },
      nodeVersion: process.versions.node,
      log: createMemoryLogger(),
    });
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['runtime', 'pass'],
      ['shell-hardening', 'pass'],
      ['crypto', 'pass'],
      ['encrypted-storage', 'pass'],
      ['data-folder', 'pass'],
    ]);
    // The throwaway database is gone afterwards.
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('fails a Node.js older than 22', () => {
    expect(checkRuntime('20.20.2')).toMatchObject({ status: 'fail', detailKey: 'checks.details.runtimeOld' });
    expect(checkRuntime('v22.12.0').status).toBe('pass');
  });

  it('names every window protection that is off', () => {
    expect(checkShell({ kind: 'electron', sandboxSwitchedOff: true, debuggerOpen: true, cspHeader: false })).toEqual({
      status: 'fail',
      detailKey: 'checks.details.shellMissing',
      detailValues: { missing: 'sandbox (--no-sandbox), debugger (--inspect, --remote-debugging-port), Content-Security-Policy' },
    });
    expect(checkShell({ kind: 'electron', sandboxSwitchedOff: false, debuggerOpen: true, cspHeader: true }).status).toBe('fail');
    expect(checkShell({ kind: 'browser-harness' }).status).toBe('warn');
  });

  it('fails when the data folder cannot be written', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    expect(checkDataFolder(join(file, 'data'))).toMatchObject({ status: 'fail', detailKey: 'checks.details.folderFailed' });
  });
});
