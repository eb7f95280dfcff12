// Runs in the portal (browser): the vault's bytes in IndexedDB, one object store of named
// records. Nothing readable is ever written here (see vault.ts): only ciphertext and the
// public header of the passphrase-wrapped key.
import { type VaultBackend } from './backend';

const DB_NAME = 'clinic-messenger-portal';
const STORE = 'vault';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

export async function openIdbBackend(): Promise<VaultBackend> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  const db = await promised(open);
  return {
    async get(name) {
      const value: unknown = await promised(db.transaction(STORE, 'readonly').objectStore(STORE).get(name));
      return value instanceof Uint8Array ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : null;
    },
    async put(entries) {
      const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      const store = tx.objectStore(STORE);
      for (const [name, value] of entries) store.put(value, name);
      await done(tx);
    },
    async clear() {
      const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      tx.objectStore(STORE).clear();
      await done(tx);
    },
  };
}
