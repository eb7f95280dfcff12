import sodium from 'libsodium-wrappers-sumo';

import type { DeviceKeystore } from '../../src/main/profiles/device-keystore';

/**
 * Stands in for Electron's safeStorage (the only thing mocked at this boundary): real
 * libsodium encryption under a key that lives only in this process, like an OS keystore
 * that would be wiped when the "computer" changes. `reset()` simulates that change.
 */
export async function createTestKeystore(options: { backend?: string; available?: boolean } = {}) {
  await sodium.ready;
  let key = sodium.crypto_secretbox_keygen();
  let backend = options.backend ?? 'test-keystore';
  let available = options.available ?? true;
  const keystore: DeviceKeystore & { reset(): void; setBackend(name: string): void; setAvailable(v: boolean): void } = {
    status: () => (available ? { available: true, backend } : { available: false, reason: 'unavailable' }),
    encrypt(data) {
      const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
      const sealed = sodium.crypto_secretbox_easy(data, nonce, key);
      const out = new Uint8Array(nonce.length + sealed.length);
      out.set(nonce);
      out.set(sealed, nonce.length);
      return out;
    },
    decrypt(data) {
      const nonce = data.subarray(0, sodium.crypto_secretbox_NONCEBYTES);
      return sodium.crypto_secretbox_open_easy(data.subarray(sodium.crypto_secretbox_NONCEBYTES), nonce, key);
    },
    reset() {
      key = sodium.crypto_secretbox_keygen();
    },
    setBackend(name) {
      backend = name;
    },
    setAvailable(value) {
      available = value;
    },
  };
  return keystore;
}
export type TestKeystore = Awaited<ReturnType<typeof createTestKeystore>>;
