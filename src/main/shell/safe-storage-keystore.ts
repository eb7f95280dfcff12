import type { SafeStorage } from 'electron';

import type { DeviceKeystore } from '../profiles/device-keystore';

/**
 * The OS keystore through Electron's safeStorage. On Linux, the `basic_text` backend
 * "encrypts" with a hard-coded password, so it is refused: remembering a profile there
 * would protect nothing.
 */
export function safeStorageKeystore(safeStorage: SafeStorage, platform: NodeJS.Platform): DeviceKeystore {
  const backend = (): string => {
    if (platform === 'linux') return safeStorage.getSelectedStorageBackend();
    return platform === 'darwin' ? 'keychain' : platform === 'win32' ? 'dpapi' : 'unknown';
  };
  return {
    status() {
      if (!safeStorage.isEncryptionAvailable()) return { available: false, reason: 'unavailable' };
      const name = backend();
      if (name === 'basic_text' || name === 'unknown') return { available: false, reason: 'insecure-backend' };
      return { available: true, backend: name };
    },
    encrypt: (data) => new Uint8Array(safeStorage.encryptString(Buffer.from(data).toString('base64'))),
    decrypt: (data) => new Uint8Array(Buffer.from(safeStorage.decryptString(Buffer.from(data)), 'base64')),
  };
}
