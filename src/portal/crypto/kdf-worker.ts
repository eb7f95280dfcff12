// Runs in the portal, in a dedicated Web Worker: Argon2id (crypto_pwhash) off the page's
// thread, so the page stays responsive (and its "working" message visible) while 64 MiB are
// hashed. One request in, one 32-byte key (or an error) out; nothing is kept between requests.
import { loadSodium } from './sodium';

type Request = { readonly id: number; readonly passphrase: string; readonly salt: Uint8Array; readonly opslimit: number; readonly memlimit: number };

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<Request>) => void) | null; postMessage: (message: unknown, transfer?: Transferable[]) => void };

scope.onmessage = (event) => {
  const { id, passphrase, salt, opslimit, memlimit } = event.data;
  void loadSodium()
    .then((sodium) => {
      const key = sodium.crypto_pwhash(32, passphrase, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
      scope.postMessage({ id, key }, [key.buffer]);
    })
    .catch(() => scope.postMessage({ id, error: true }));
};
