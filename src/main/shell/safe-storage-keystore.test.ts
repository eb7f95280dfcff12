import type { SafeStorage } from 'electron';
import { describe, expect, it } from 'vitest';

import { safeStorageKeystore } from './safe-storage-keystore';

function fakeSafeStorage(available: boolean, backend: string): SafeStorage {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text: string) => Buffer.from(`sealed:${text}`),
    decryptString: (data: Buffer) => {
      const text = data.toString();
      if (!text.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return text.slice('sealed:'.length);
    },
  } as unknown as SafeStorage;
}

describe('safeStorage keystore', () => {
  it('refuses Linux’s basic_text backend and an unavailable keystore', () => {
    expect(safeStorageKeystore(fakeSafeStorage(true, 'basic_text'), 'linux').status()).toEqual({ available: false, reason: 'insecure-backend' });
    expect(safeStorageKeystore(fakeSafeStorage(false, 'gnome_libsecret'), 'linux').status()).toEqual({ available: false, reason: 'unavailable' });
  });

  it('names the backend in use and round-trips bytes', () => {
    const keystore = safeStorageKeystore(fakeSafeStorage(true, 'gnome_libsecret'), 'linux');
    expect(keystore.status()).toEqual({ available: true, backend: 'gnome_libsecret' });
    expect(safeStorageKeystore(fakeSafeStorage(true, ''), 'darwin').status()).toEqual({ available: true, backend: 'keychain' });
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(keystore.decrypt(keystore.encrypt(key))).toEqual(key);
    expect(() => keystore.decrypt(new Uint8Array([1, 2, 3]))).toThrow();
  });
});
