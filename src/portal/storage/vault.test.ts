import { beforeAll, describe, expect, it } from 'vitest';

import { KeyWrapError, unwrapSecret, wrapSecret } from '../crypto/key-wrap';
import { type PortalSodium, loadSodium } from '../crypto/sodium';
import { createMemoryBackend } from './backend';
import { Vault, VaultError } from './vault';

// Light costs keep the tests quick; the format and checks are the same as with the real ones.
const FAST = { opslimit: 1, memlimit: 8 * 1024 * 1024 };
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

let sodium: PortalSodium;
beforeAll(async () => {
  sodium = await loadSodium();
});

describe('passphrase key wrap', () => {
  it('round-trips a secret, non-ASCII passphrase included, in either Unicode form', async () => {
    const wrapped = await wrapSecret(sodium, 'crème brûlée 42 ñandú', utf8('device keys'), FAST);
    expect(wrapped.header).toMatchObject({ v: 1, kdf: 'argon2id13', aead: 'xchacha20poly1305-ietf', opslimit: 1, memlimit: 8 * 1024 * 1024 });
    expect(new TextDecoder().decode(await unwrapSecret(sodium, 'crème brûlée 42 ñandú', wrapped))).toBe('device keys');
    // NFD input (e + combining accent) opens what NFC wrapped.
    expect(new TextDecoder().decode(await unwrapSecret(sodium, 'crème brûlée 42 ñandú'.normalize('NFD'), wrapped))).toBe('device keys');
  });

  it('uses Argon2id with 64 MiB and 3 passes by default', async () => {
    const wrapped = await wrapSecret(sodium, 'pass', utf8('x'));
    expect(wrapped.header.memlimit).toBe(64 * 1024 * 1024);
    expect(wrapped.header.opslimit).toBe(3);
  });

  it('refuses a wrong passphrase', async () => {
    const wrapped = await wrapSecret(sodium, 'right one', utf8('x'), FAST);
    await expect(unwrapSecret(sodium, 'wrong one', wrapped)).rejects.toBeInstanceOf(KeyWrapError);
    await expect(unwrapSecret(sodium, 'wrong one', wrapped)).rejects.toMatchObject({ code: 'wrong-passphrase' });
  });

  it('detects a changed header (the associated data) or ciphertext', async () => {
    const wrapped = await wrapSecret(sodium, 'pw', utf8('secret'), FAST);
    const other = await wrapSecret(sodium, 'pw', utf8('secret'), FAST);
    // Another valid nonce in the header: authentication fails.
    await expect(unwrapSecret(sodium, 'pw', { ...wrapped, header: { ...wrapped.header, nonce: other.header.nonce } })).rejects.toThrow(/does not open/);
    // Costs lowered by someone with access to the storage: the header is authenticated.
    const cheaper = await wrapSecret(sodium, 'pw', utf8('secret'), { opslimit: 2, memlimit: 8 * 1024 * 1024 });
    await expect(unwrapSecret(sodium, 'pw', { ...cheaper, header: { ...cheaper.header, opslimit: 1 } })).rejects.toBeInstanceOf(KeyWrapError);
    const bytes = Uint8Array.from(atob(wrapped.ciphertext), (c) => c.charCodeAt(0));
    bytes[0] = (bytes[0] as number) ^ 1;
    await expect(unwrapSecret(sodium, 'pw', { ...wrapped, ciphertext: btoa(String.fromCharCode(...bytes)) })).rejects.toBeInstanceOf(KeyWrapError);
  });

  it('refuses a malformed or absurd header before any work', async () => {
    const wrapped = await wrapSecret(sodium, 'pw', utf8('secret'), FAST);
    for (const bad of [null, {}, { ...wrapped, header: { ...wrapped.header, v: 2 } }, { ...wrapped, header: { ...wrapped.header, memlimit: 8 * 1024 ** 3 } }, { ...wrapped, ciphertext: 'not base64!' }]) {
      await expect(unwrapSecret(sodium, 'pw', bad)).rejects.toMatchObject({ code: 'malformed' });
    }
  });
});

describe('vault', () => {
  // Markers long enough that random ciphertext cannot contain them by chance (a 2-letter id did, once).
  const secrets = { identity: { deviceId: 'pDEVICE-ID-7731', signing: 'SECRET-SIGNING-KEY' } };

  it('stores nothing readable', async () => {
    const backend = createMemoryBackend();
    const vault = await Vault.create(sodium, backend, 'correct horse', secrets, FAST);
    await vault.write({ messages: [{ body: 'My prescription for Ventolin' }], state: { cursor: 7, patientId: 'patient-42' } });
    const all = [...backend.entries.values()].map((b) => new TextDecoder('latin1').decode(b)).join('\n');
    for (const visible of ['Ventolin', 'patient-42', 'SECRET-SIGNING-KEY', 'pDEVICE-ID-7731', '"cursor"']) expect(all).not.toContain(visible);
    expect([...backend.entries.keys()].sort()).toEqual(['key', 'messages', 'state']);
  });

  it('reopens with the passphrase, and refuses a wrong one', async () => {
    const backend = createMemoryBackend();
    const vault = await Vault.create(sodium, backend, 'correct horse', secrets, FAST);
    await vault.write({ outbox: [{ id: 'm1' }] });
    expect(await Vault.exists(backend)).toBe(true);
    const reopened = await Vault.open<typeof secrets>(sodium, backend, 'correct horse');
    expect(reopened.secrets).toEqual(secrets);
    expect(await reopened.read('outbox')).toEqual([{ id: 'm1' }]);
    expect(await reopened.read('missing')).toBeNull();
    await expect(Vault.open(sodium, backend, 'wrong horse')).rejects.toMatchObject({ code: 'wrong-passphrase' });
  });

  it('binds each record to its name and detects damage', async () => {
    const backend = createMemoryBackend();
    const vault = await Vault.create(sodium, backend, 'pw', secrets, FAST);
    await vault.write({ state: { a: 1 }, outbox: [] });
    backend.entries.set('outbox', backend.entries.get('state') as Uint8Array);
    await expect(vault.read('outbox')).rejects.toBeInstanceOf(VaultError);
    backend.entries.set('key', new Uint8Array([1, 2, 3]));
    await expect(Vault.open(sodium, backend, 'pw')).rejects.toMatchObject({ code: 'damaged' });
  });

  it('says when nothing is stored, and forgets everything on clear', async () => {
    const backend = createMemoryBackend();
    await expect(Vault.open(sodium, backend, 'pw')).rejects.toMatchObject({ code: 'empty' });
    await Vault.create(sodium, backend, 'pw', secrets, FAST);
    await backend.clear();
    expect(await Vault.exists(backend)).toBe(false);
  });
});
