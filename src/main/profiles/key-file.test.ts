import { randomUUID } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { currentKdfParams } from '../crypto/kdf';
import { randomBytes } from '../crypto/sodium';
import {
  KeyFileDamagedError,
  WrongPassphraseError,
  deviceWrapOf,
  parseKeyFile,
  subkeys,
  unwrapProfileKey,
  withDeviceWrap,
  wrapProfileKey,
} from './key-file';

const passphrase = 'copper lantern orbit meadow 47';

describe('profile key file', () => {
  it('wraps with Argon2id at ≥ 64 MiB and unwraps with the same passphrase, in any Unicode form', async () => {
    const id = randomUUID();
    const key = randomBytes(32);
    const file = await wrapProfileKey(key, 'Zoë brûlée café 2024 lanterne', id);
    expect(file.kdf).toMatchObject({ alg: 'argon2id13', ...currentKdfParams });
    expect(file.kdf.memLimitBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    const parsed = await parseKeyFile(JSON.stringify(file), id);
    // Same words typed with combining accents (NFD) open it too.
    const opened = await unwrapProfileKey(parsed, 'Zoë brûlée café 2024 lanterne'.normalize('NFD'));
    expect(opened.key).toEqual(key);
    expect(opened.needsRewrap).toBe(false);
    expect(JSON.stringify(file)).not.toContain(Buffer.from(key).toString('base64'));
  });

  it('refuses a wrong passphrase with WrongPassphraseError', async () => {
    const id = randomUUID();
    const file = await wrapProfileKey(randomBytes(32), passphrase, id);
    await expect(unwrapProfileKey(file, 'copper lantern orbit meadow 48')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('tells a damaged file from a wrong passphrase', async () => {
    const id = randomUUID();
    const file = await wrapProfileKey(randomBytes(32), passphrase, id);
    const text = JSON.stringify(file);
    await expect(parseKeyFile('{not json', id)).rejects.toMatchObject({ reason: 'unreadable' });
    await expect(parseKeyFile(text, randomUUID())).rejects.toMatchObject({ reason: 'malformed' });
    // Always a different first character (the ciphertext may already start with 'A').
    const first = file.wrapped.ciphertext.startsWith('A') ? 'B' : 'A';
    const flipped = { ...file, wrapped: { ...file.wrapped, ciphertext: `${first}${file.wrapped.ciphertext.slice(1)}` } };
    await expect(parseKeyFile(JSON.stringify(flipped), id)).rejects.toBeInstanceOf(KeyFileDamagedError);
    await expect(parseKeyFile(JSON.stringify({ ...file, extra: 1 }), id)).rejects.toMatchObject({ reason: 'malformed' });
  });

  it('refuses a key file whose Argon2id parameters were lowered, even with a matching checksum', async () => {
    const id = randomUUID();
    const file = await wrapProfileKey(randomBytes(32), passphrase, id);
    const { checksum: _drop, ...body } = file;
    const weakened = await withDeviceWrap({ ...body, kdf: { ...body.kdf, memLimitBytes: 8 * 1024 * 1024 }, checksum: '' }, undefined);
    await expect(parseKeyFile(JSON.stringify(weakened), id)).rejects.toMatchObject({ reason: 'weakened' });
  });

  it('binds the parameters and profile id: a key file cannot be moved to another profile', async () => {
    const id = randomUUID();
    const file = await wrapProfileKey(randomBytes(32), passphrase, id);
    const other = randomUUID();
    const moved = await withDeviceWrap({ ...file, profileId: other }, undefined);
    await expect(unwrapProfileKey(await parseKeyFile(JSON.stringify(moved), other), passphrase)).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('adds and removes the device wrap without touching the passphrase wrap', async () => {
    const id = randomUUID();
    const key = randomBytes(32);
    const file = await wrapProfileKey(key, passphrase, id);
    const remembered = await withDeviceWrap(file, deviceWrapOf('keychain', new Uint8Array([1, 2, 3])));
    expect(remembered.device).toEqual({ backend: 'keychain', ciphertext: 'AQID' });
    expect(remembered.wrapped).toEqual(file.wrapped);
    const forgotten = await withDeviceWrap(remembered, undefined);
    expect(forgotten).not.toHaveProperty('device');
    expect((await unwrapProfileKey(await parseKeyFile(JSON.stringify(forgotten), id), passphrase)).key).toEqual(key);
  });

  it('derives distinct database, blob, backup and network keys, the same each time', async () => {
    const key = randomBytes(32);
    const a = await subkeys(key);
    const b = await subkeys(key);
    expect(a).toEqual(b);
    expect(new Set([a.database, a.blobs, a.backup, a.network].map((k) => Buffer.from(k).toString('hex'))).size).toBe(4);
  });
});
