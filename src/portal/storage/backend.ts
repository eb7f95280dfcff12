// Runs in the portal and in Node tests: where the portal keeps its bytes. The browser uses
// IndexedDB (idb-backend.ts); tests use the in-memory one. Everything handed to a backend is
// already encrypted, except the passphrase-wrapped key record, whose header is public.

export interface VaultBackend {
  get(name: string): Promise<Uint8Array | null>;
  /** Writes every entry in one transaction: all of them or none. */
  put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void>;
  /** Deletes everything ("forget this device"). */
  clear(): Promise<void>;
}

export function createMemoryBackend(): VaultBackend & { readonly entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    async get(name) {
      const value = entries.get(name);
      return value ? value.slice() : null;
    },
    async put(list) {
      for (const [name, value] of list) entries.set(name, value.slice());
    },
    async clear() {
      entries.clear();
    },
  };
}
