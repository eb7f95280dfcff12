/**
 * "Remember this device": the profile key also wrapped by the operating system's keystore
 * (Electron safeStorage: Keychain, DPAPI, libsecret/kwallet). The shell provides the real
 * one; tests provide their own at this boundary.
 */
export type KeystoreStatus =
  | { readonly available: true; readonly backend: string }
  | { readonly available: false; readonly reason: 'unavailable' | 'insecure-backend' };

export type DeviceKeystore = {
  status(): KeystoreStatus;
  encrypt(data: Uint8Array): Uint8Array;
  /** Throws when the keystore cannot decrypt (changed, reset, locked). */
  decrypt(data: Uint8Array): Uint8Array;
};

/** For machines and tests without any keystore. */
export const noKeystore: DeviceKeystore = {
  status: () => ({ available: false, reason: 'unavailable' }),
  encrypt: () => {
    throw new Error('No keystore on this computer.');
  },
  decrypt: () => {
    throw new Error('No keystore on this computer.');
  },
};
