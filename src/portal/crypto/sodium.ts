// Runs in the portal (browser) and in its Node unit tests: libsodium, loaded once. The sumo
// build is needed for Argon2id (`crypto_pwhash`); the shared protocol code receives it as
// its `SodiumApi`.
import sodium from 'libsodium-wrappers-sumo';

export type PortalSodium = typeof sodium;

let loading: Promise<PortalSodium> | null = null;

export function loadSodium(): Promise<PortalSodium> {
  loading ??= sodium.ready.then(() => sodium);
  return loading;
}

/** Random bytes from the platform (much faster than libsodium's WebAssembly generator). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}
