import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { formatFingerprint, generateDeviceKeys, generateRootKeys, rootFingerprint, rootFingerprintBytes, signingKeysFromSeed } from './keys';

beforeAll(async () => {
  await sodium.ready;
});

describe('device keys', () => {
  it('generates an Ed25519 and an X25519 key pair that work', () => {
    const keys = generateDeviceKeys(sodium);
    expect(keys.signing.publicKey).toHaveLength(32);
    expect(keys.signing.privateKey).toHaveLength(64);
    expect(keys.box.publicKey).toHaveLength(32);
    expect(keys.box.privateKey).toHaveLength(32);
    const message = crypto.getRandomValues(new Uint8Array(40));
    const signature = sodium.crypto_sign_detached(message, keys.signing.privateKey);
    expect(sodium.crypto_sign_verify_detached(signature, message, keys.signing.publicKey)).toBe(true);
    const sealed = sodium.crypto_box_seal(message, keys.box.publicKey);
    expect(sodium.crypto_box_seal_open(sealed, keys.box.publicKey, keys.box.privateKey)).toEqual(message);
  });

  it('generates different keys each time', () => {
    const a = generateDeviceKeys(sodium);
    const b = generateDeviceKeys(sodium);
    expect(a.signing.publicKey).not.toEqual(b.signing.publicKey);
    expect(a.box.publicKey).not.toEqual(b.box.publicKey);
  });

  it('derives the same signing key from the same seed, and refuses a short seed', () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    expect(signingKeysFromSeed(sodium, seed).publicKey).toEqual(signingKeysFromSeed(sodium, Uint8Array.from(seed)).publicKey);
    expect(() => signingKeysFromSeed(sodium, seed.subarray(1))).toThrow(RangeError);
  });
});

describe('root fingerprint', () => {
  it('is BLAKE2b-256 of the root public key', () => {
    const root = generateRootKeys(sodium);
    expect(rootFingerprintBytes(sodium, root.publicKey)).toEqual(sodium.crypto_generichash(32, root.publicKey, null));
  });

  it('matches a fixed vector: BLAKE2b-256 of 32 zero bytes', () => {
    // Independent of libsodium: Node's OpenSSL has no BLAKE2b-256, so the hex is pinned.
    const hash = rootFingerprintBytes(sodium, new Uint8Array(32));
    expect(Buffer.from(hash).toString('hex')).toBe('89eb0d6a8a691dae2cd15ed0369931ce0a949ecafa5c3f93f8121833646e15c3');
  });

  it('displays as 13 space-separated groups of base32', () => {
    const text = rootFingerprint(sodium, generateRootKeys(sodium).publicKey);
    expect(text).toMatch(/^(?:[A-Z2-7]{4} ){12}[A-Z2-7]{4}$/);
    expect(formatFingerprint(Uint8Array.of(0xff, 0xff, 0xff))).toBe('7777 6');
  });

  it('refuses a key of the wrong length', () => {
    expect(() => rootFingerprint(sodium, new Uint8Array(31))).toThrow(RangeError);
  });
});
