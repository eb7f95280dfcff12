import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { DiagnosticCheck, DiagnosticCheckId, DiagnosticsReport } from '../../shared/diagnostics';
import { loadSodium, randomBytes } from '../crypto/sodium';
import type { Logger } from '../log';
import { WrongKeyError, openEncrypted } from '../storage/open-encrypted';

/** What the host tells about the window it made; the browser test harness has no such window. */
export type ShellStatus =
  | {
      readonly kind: 'electron';
      /** Chromium's sandbox was switched off on the command line (--no-sandbox). */
      readonly sandboxSwitchedOff: boolean;
      /** A debugger can attach (--inspect, --remote-debugging-port). */
      readonly debuggerOpen: boolean;
      /** The page the app serves really carries the CSP header. */
      readonly cspHeader: boolean;
    }
  | { readonly kind: 'browser-harness' };

type Outcome = Omit<DiagnosticCheck, 'id' | 'durationMs'>;

export const minimumNodeMajor = 22;

export function checkRuntime(nodeVersion: string): Outcome {
  const major = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
  return major >= minimumNodeMajor
    ? { status: 'pass', detailKey: 'checks.details.runtimeOk', detailValues: { node: nodeVersion } }
    : { status: 'fail', detailKey: 'checks.details.runtimeOld', detailValues: { node: nodeVersion } };
}

export function checkShell(shell: ShellStatus): Outcome {
  if (shell.kind === 'browser-harness') {
    return { status: 'warn', detailKey: 'checks.details.shellHarness', detailValues: {} };
  }
  const missing = [
    shell.sandboxSwitchedOff ? 'sandbox (--no-sandbox)' : null,
    shell.debuggerOpen ? 'debugger (--inspect, --remote-debugging-port)' : null,
    shell.cspHeader ? null : 'Content-Security-Policy',
  ].filter((name): name is string => name !== null);
  return missing.length === 0
    ? { status: 'pass', detailKey: 'checks.details.shellOk', detailValues: {} }
    : { status: 'fail', detailKey: 'checks.details.shellMissing', detailValues: { missing: missing.join(', ') } };
}

/** Seals and opens a message, and proves that one changed byte is caught. */
export async function checkCrypto(): Promise<Outcome> {
  const failed: Outcome = { status: 'fail', detailKey: 'checks.details.cryptoFailed', detailValues: {} };
  try {
    const sodium = await loadSodium();
    const key = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    const nonce = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const plain = sodium.from_string('self-test ✓ é');
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, null, null, nonce, key);
    const opened = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key);
    if (sodium.to_string(opened) !== 'self-test ✓ é') return failed;
    const tampered = sealed.slice();
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    let caught = false;
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, tampered, null, nonce, key);
    } catch {
      caught = true;
    }
    const argon2id = typeof sodium.crypto_pwhash === 'function' && sodium.crypto_pwhash_ALG_ARGON2ID13 === 2;
    sodium.memzero(key);
    return caught && argon2id ? { status: 'pass', detailKey: 'checks.details.cryptoOk', detailValues: {} } : failed;
  } catch {
    return failed;
  }
}

/** Writes a throwaway encrypted database, proves nothing readable is on disk and a wrong key is refused. */
export function checkEncryptedStorage(scratchDir: string): Outcome {
  const failed: Outcome = { status: 'fail', detailKey: 'checks.details.storageFailed', detailValues: {} };
  const file = join(scratchDir, `storage-check-${process.pid}-${Date.now()}.db`);
  const marker = `marker-${Buffer.from(randomBytes(8)).toString('hex')}`;
  try {
    mkdirSync(scratchDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    const db = openEncrypted(file, key);
    db.exec('CREATE TABLE probe (value TEXT NOT NULL)');
    db.prepare('INSERT INTO probe (value) VALUES (?)').run(marker);
    db.close();
    const bytes = readFileSync(file);
    if (bytes.subarray(0, 15).toString('latin1') === 'SQLite format 3') return failed;
    if (bytes.includes(Buffer.from(marker))) return failed;
    try {
      openEncrypted(file, randomBytes(32)).close();
      return failed;
    } catch (error) {
      if (!(error instanceof WrongKeyError)) return failed;
    }
    const again = openEncrypted(file, key);
    const row = again.prepare('SELECT value FROM probe').get() as { value: string } | undefined;
    again.close();
    return row?.value === marker
      ? { status: 'pass', detailKey: 'checks.details.storageOk', detailValues: {} }
      : failed;
  } catch {
    return failed;
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  }
}

export function checkDataFolder(dataDir: string): Outcome {
  const probe = join(dataDir, `.write-check-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(probe, 'ok', { mode: 0o600 });
    const ok = readFileSync(probe, 'utf8') === 'ok';
    rmSync(probe, { force: true });
    return {
      status: ok ? 'pass' : 'fail',
      detailKey: ok ? 'checks.details.folderOk' : 'checks.details.folderFailed',
      detailValues: { path: dataDir },
    };
  } catch {
    if (existsSync(probe)) rmSync(probe, { force: true });
    return { status: 'fail', detailKey: 'checks.details.folderFailed', detailValues: { path: dataDir } };
  }
}

export type DiagnosticsOptions = {
  readonly dataDir: string;
  readonly shell: ShellStatus;
  readonly nodeVersion: string;
  readonly log: Logger;
};

export async function runDiagnostics(options: DiagnosticsOptions): Promise<DiagnosticsReport> {
  const checks: DiagnosticCheck[] = [];
  const run = async (id: DiagnosticCheckId, check: () => Outcome | Promise<Outcome>) => {
    const started = performance.now();
    const outcome = await check();
    checks.push({ id, ...outcome, durationMs: Math.round((performance.now() - started) * 10) / 10 });
  };
  await run('runtime', () => checkRuntime(options.nodeVersion));
  await run('shell-hardening', () => checkShell(options.shell));
  await run('crypto', checkCrypto);
  await run('encrypted-storage', () => checkEncryptedStorage(join(options.dataDir, 'tmp')));
  await run('data-folder', () => checkDataFolder(options.dataDir));
  options.log.info('diagnostics.ran', {
    failed: checks.filter((c) => c.status === 'fail').length,
    warned: checks.filter((c) => c.status === 'warn').length,
  });
  return { ranAt: new Date().toISOString(), checks };
}
