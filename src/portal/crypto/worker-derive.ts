// Runs in the portal (browser): Argon2id through kdf-worker.ts. If the worker cannot start
// (an old browser, or a policy against workers), the derivation runs on the page's thread.
import { type DeriveKey, deriveOnThisThread } from './key-wrap';
import { type PortalSodium } from './sodium';

type Reply = { readonly id: number; readonly key?: Uint8Array; readonly error?: true };

export function createWorkerDerive(sodium: PortalSodium): DeriveKey {
  const fallback = deriveOnThisThread(sodium);
  let worker: Worker | null = null;
  let broken = false;
  let counter = 0;
  const waiting = new Map<number, { resolve: (key: Uint8Array) => void; reject: (error: Error) => void }>();

  const failAll = (): void => {
    broken = true;
    worker?.terminate();
    worker = null;
    for (const [, w] of waiting) w.reject(new Error('worker failed'));
    waiting.clear();
  };

  const start = (): Worker | null => {
    if (broken) return null;
    if (worker) return worker;
    try {
      worker = new Worker(new URL('./kdf-worker.ts', import.meta.url), { type: 'module' });
    } catch {
      broken = true;
      return null;
    }
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const w = waiting.get(event.data.id);
      if (!w) return;
      waiting.delete(event.data.id);
      if (event.data.key) w.resolve(new Uint8Array(event.data.key));
      else w.reject(new Error('derivation failed'));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      failAll();
    };
    return worker;
  };

  return async (passphrase, params) => {
    const w = start();
    if (!w) return fallback(passphrase, params);
    counter += 1;
    const id = counter;
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, passphrase, salt: params.salt, opslimit: params.opslimit, memlimit: params.memlimit });
      });
    } catch {
      return fallback(passphrase, params);
    }
  };
}
