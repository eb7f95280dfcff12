import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it, vi } from 'vitest';

import type { SessionStatus } from '../../src/shared/profiles';
import { createMemoryLogger } from '../../src/main/log';
import { createProfileManager } from '../../src/main/profiles/profile-manager';
import { parseKeyFile, unwrapProfileKey, withDeviceWrap } from '../../src/main/profiles/key-file';
import { createSession } from '../../src/main/profiles/session';
import { noKeystore } from '../../src/main/profiles/device-keystore';
import { minimumKdfParams } from '../../src/main/crypto/kdf';
import { loadSodium } from '../../src/main/crypto/sodium';
import { createTestKeystore } from '../support/test-keystore';

const passphrase = 'copper lantern orbit meadow 47';
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'profiles-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const managerFor = (dataDir: string, keystore = noKeystore) => createProfileManager({ dataDir, keystore, log: createMemoryLogger() });

describe('profile manager', () => {
  it('refuses a weak passphrase before writing anything', async () => {
    const dataDir = tempDir();
    await expect(managerFor(dataDir).create('Léa', 'password1234')).rejects.toMatchObject({
      code: 'weak-passphrase',
      fields: { passphrase: expect.stringContaining('common') },
    });
    expect(readdirSync(join(dataDir, 'profiles'))).toEqual([]);
  });

  it('removes a half-created profile left by a crash, and never lists it', async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'profiles', '.incomplete-1234', 'data'), { recursive: true });
    const manager = managerFor(dataDir);
    expect(existsSync(join(dataDir, 'profiles', '.incomplete-1234'))).toBe(false);
    expect(await manager.list()).toEqual([]);
  });

  it('re-wraps a key file whose Argon2id parameters are below today’s, on the next unlock', async () => {
    const dataDir = tempDir();
    const manager = managerFor(dataDir);
    const opened = await manager.create('Léa', passphrase);
    const id = opened.summary.id;
    opened.db.close();
    // Write the key file again with the weakest parameters still accepted.
    const keyPath = join(dataDir, 'profiles', id, 'key.json');
    const original = await parseKeyFile(readFileSync(keyPath, 'utf8'), id);
    const { key } = await unwrapProfileKey(original, passphrase);
    const kdfModule = await import('../../src/main/crypto/kdf');
    const sodium = await loadSodium();
    const salt = new Uint8Array(16);
    const weakKey = await kdfModule.deriveKey(new TextEncoder().encode(passphrase), salt, minimumKdfParams);
    const nonce = new Uint8Array(24);
    const ad = new TextEncoder().encode(`clinic-messenger/profile-key/v1|${id}|argon2id13|${minimumKdfParams.opsLimit}|${minimumKdfParams.memLimitBytes}`);
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(key, ad, null, nonce, weakKey);
    const weaker = await withDeviceWrap(
      {
        ...original,
        kdf: { alg: 'argon2id13', ...minimumKdfParams, salt: Buffer.from(salt).toString('base64') },
        wrapped: { alg: 'xchacha20poly1305-ietf', nonce: Buffer.from(nonce).toString('base64'), ciphertext: Buffer.from(ciphertext).toString('base64') },
      },
      undefined,
    );
    writeFileSync(keyPath, JSON.stringify(weaker));
    const again = await manager.unlock(id, passphrase);
    again.db.close();
    const rewrapped = await parseKeyFile(readFileSync(keyPath, 'utf8'), id);
    expect(rewrapped.kdf.opsLimit).toBe(kdfModule.currentKdfParams.opsLimit);
    expect((await unwrapProfileKey(rewrapped, passphrase)).key).toEqual(key);
  });

  it('reports a missing or replaced database as damaged, never as a new empty profile', async () => {
    const dataDir = tempDir();
    const manager = managerFor(dataDir);
    const opened = await manager.create('Léa', passphrase);
    opened.db.close();
    const db = join(dataDir, 'profiles', opened.summary.id, 'data', 'profile.db');
    writeFileSync(db, Buffer.alloc(8192, 7));
    await expect(manager.unlock(opened.summary.id, passphrase)).rejects.toMatchObject({ code: 'profile-damaged' });
    rmSync(db);
    expect((await manager.list())[0]?.state).toBe('damaged');
    await expect(manager.unlock(opened.summary.id, passphrase)).rejects.toMatchObject({ code: 'profile-damaged' });
    expect(existsSync(db)).toBe(false);
  });

  it('unlocks with the keystore, and drops the device wrap when the keystore changes', async () => {
    const dataDir = tempDir();
    const keystore = await createTestKeystore();
    const manager = managerFor(dataDir, keystore);
    const opened = await manager.create('Léa', passphrase);
    const summary = await manager.setRememberDevice(opened, true);
    expect(summary.remembersDevice).toBe(true);
    opened.db.close();
    (await manager.unlockWithDevice(opened.summary.id)).db.close();
    keystore.setBackend('another-backend');
    await expect(manager.unlockWithDevice(opened.summary.id)).rejects.toMatchObject({ code: 'device-key-unavailable' });
    expect((await manager.list())[0]?.remembersDevice).toBe(false);
    (await manager.unlock(opened.summary.id, passphrase)).db.close();
  });
});

describe('session', () => {
  it('locking closes the database, wipes the key, and says why', async () => {
    const dataDir = tempDir();
    const manager = managerFor(dataDir);
    const events: SessionStatus[] = [];
    const session = createSession({ keystore: noKeystore, log: createMemoryLogger(), emit: (s) => events.push(s) });
    const opened = await manager.create('Léa', passphrase);
    await session.begin(opened);
    expect(session.caller()).toBe('unenrolled');
    expect(opened.profileKey.some((b) => b !== 0)).toBe(true);
    await session.lock('os-lock');
    expect(opened.db.isOpen).toBe(false);
    expect(opened.profileKey.every((b) => b === 0)).toBe(true);
    expect(session.caller()).toBe('signed-out');
    expect(events.map((e) => e.state)).toEqual(['unlocked', 'signed-out']);
    expect(events[1]).toEqual({ state: 'signed-out', lockReason: 'os-lock', lastProfileId: opened.summary.id });
  });

  it('locks after the idle time in force, and not before: the strictest minute until rules apply, then the clinic’s', async () => {
    const opened = await managerFor(tempDir()).create('Léa', passphrase);
    vi.useFakeTimers();
    try {
      let idle = 0;
      const session = createSession({ keystore: noKeystore, log: createMemoryLogger(), emit: () => {} });
      await session.begin(opened);
      expect(session.security()).toMatchObject({ source: 'strictest', idleLockMinutes: 1, allowRememberDevice: false });
      const stop = session.watchIdle(() => idle, 1000);
      idle = 59;
      await vi.advanceTimersByTimeAsync(2000);
      expect(session.status().state).toBe('unlocked');
      await session.applySecurity({ ...session.security(), idleLockMinutes: 2, source: 'clinic', policyVersion: 3 });
      idle = 119;
      await vi.advanceTimersByTimeAsync(2000);
      expect(session.status()).toMatchObject({ state: 'unlocked', security: { idleLockMinutes: 2, source: 'clinic' } });
      idle = 120;
      await vi.advanceTimersByTimeAsync(2000);
      vi.useRealTimers();
      await vi.waitFor(() => expect(session.status()).toMatchObject({ state: 'signed-out', lockReason: 'idle' }));
      stop();
    } finally {
      vi.useRealTimers();
    }
  });

});
