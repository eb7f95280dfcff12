// Runs anywhere: device keys and the clinic root fingerprint (ADR 10, "Keys and certificates").
import { toBase32 } from './encoding';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

/** A device's two key pairs: Ed25519 to sign, X25519 to receive sealed keys. */
export interface DeviceKeys {
  readonly signing: SodiumKeyPair;
  readonly box: SodiumKeyPair;
}

/** Generates a fresh device identity. Call it on the device; the secrets never leave it. */
export function generateDeviceKeys(sodium: SodiumApi): DeviceKeys {
  const signing = sodium.crypto_sign_keypair();
  const box = sodium.crypto_box_keypair();
  return {
    signing: { publicKey: signing.publicKey, privateKey: signing.privateKey },
    box: { publicKey: box.publicKey, privateKey: box.privateKey },
  };
}

/** Generates a clinic root (Ed25519) key pair. */
export function generateRootKeys(sodium: SodiumApi): SodiumKeyPair {
  const root = sodium.crypto_sign_keypair();
  return { publicKey: root.publicKey, privateKey: root.privateKey };
}

/**
 * The Ed25519 key pair derived from a 32-byte seed, e.g. the one-time secret printed in an
 * enrollment code: the front desk and the patient derive the same `enrollmentKey` from it.
 */
export function signingKeysFromSeed(sodium: SodiumApi, seed: Uint8Array): SodiumKeyPair {
  if (seed.length !== sodium.crypto_sign_SEEDBYTES) throw new RangeError(`A signing seed is ${sodium.crypto_sign_SEEDBYTES} bytes.`);
  const pair = sodium.crypto_sign_seed_keypair(seed);
  return { publicKey: pair.publicKey, privateKey: pair.privateKey };
}

export const FINGERPRINT_BYTES = 32;

/** BLAKE2b-256 of the clinic root public key: what clients pin at enrollment. */
export function rootFingerprintBytes(sodium: SodiumApi, rootPublicKey: Uint8Array): Uint8Array {
  if (rootPublicKey.length !== sodium.crypto_sign_PUBLICKEYBYTES) {
    throw new RangeError(`A root public key is ${sodium.crypto_sign_PUBLICKEYBYTES} bytes.`);
  }
  return sodium.crypto_generichash(FINGERPRINT_BYTES, rootPublicKey, null);
}

/** The fingerprint as printed on patient receipts: base32, in space-separated groups of four. */
export function formatFingerprint(fingerprint: Uint8Array): string {
  return (toBase32(fingerprint).match(/.{1,4}/g) ?? []).join(' ');
}

/** `rootFingerprintBytes` formatted for display, e.g. `ABCD EFGH … WXYZ` (13 groups). */
export function rootFingerprint(sodium: SodiumApi, rootPublicKey: Uint8Array): string {
  return formatFingerprint(rootFingerprintBytes(sodium, rootPublicKey));
}
