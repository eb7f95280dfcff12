import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Argon2id parameters, stored beside every key they protect so they can be raised later. */
export type KdfParams = { readonly opsLimit: number; readonly memLimitBytes: number };

/**
 * Today's parameters for new and re-wrapped keys: 64 MiB and 3 passes, about 0.35 s on a
 * 2-core laptop (bench/results/profile-unlock.json). Keys wrapped with anything weaker
 * than the floor are refused as tampered.
 */
export const currentKdfParams: KdfParams = { opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 };
export const minimumKdfParams: KdfParams = { opsLimit: 2, memLimitBytes: 64 * 1024 * 1024 };
export const saltBytes = 16;

export const weakerThan = (a: KdfParams, b: KdfParams): boolean => a.opsLimit < b.opsLimit || a.memLimitBytes < b.memLimitBytes;

// The worker is plain CommonJS evaluated from a string, so it runs the same way from the
// bundled main process, from tests and from the command-line tools, with no extra file to
// ship. It loads libsodium from the path main resolved and answers one request at a time.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodiumPath);
const ready = sodium.ready;
parentPort.on('message', async ({ id, passphrase, salt, opsLimit, memLimitBytes }) => {
  await ready;
  try {
    const key = sodium.crypto_pwhash(32, passphrase, salt, opsLimit, memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2ID13);
    sodium.memzero(passphrase);
    parentPort.postMessage({ id, ok: true, key }, [key.buffer]);
  } catch (error) {
    sodium.memzero(passphrase);
    parentPort.postMessage({ id, ok: false, kind: error && error.name ? error.name : 'Error' });
  }
});
`;

/** A warm worker saves libsodium's start-up (about 150 ms) on every unlock; it is stopped after a minute unused, returning Argon2id's memory. */
const idleStopMs = 60_000;

type Pending = { resolve: (key: Uint8Array) => void; reject: (error: Error) => void };
let worker: Worker | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(error: Error) {
  for (const request of pending.values()) request.reject(error);
  pending.clear();
}

function getWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(workerSource, {
    eval: true,
    workerData: { sodiumPath: createRequire(import.meta.url).resolve('libsodium-wrappers-sumo') },
  });
  created.unref();
  created.on('message', (message: { id: number; ok: true; key: Uint8Array } | { id: number; ok: false; kind: string }) => {
    const request = pending.get(message.id);
    pending.delete(message.id);
    // Idle, the worker must not keep a command-line tool alive; busy, it must.
    if (pending.size === 0) created.unref();
    if (!request) return;
    if (message.ok) request.resolve(new Uint8Array(message.key.buffer, message.key.byteOffset, message.key.byteLength));
    else request.reject(new Error(`Key derivation failed (${message.kind}).`));
  });
  created.on('error', (error) => {
    worker = null;
    failAll(error);
  });
  created.on('exit', (code) => {
    worker = null;
    failAll(new Error(`The key derivation worker stopped (exit ${code}).`));
  });
  worker = created;
  return created;
}

/** Starts the worker ahead of need (when an unlock screen appears), so the first unlock is as fast as the next. */
export function prewarmKdf(): void {
  getWorker();
  scheduleStop();
}

function scheduleStop() {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size === 0 && worker) void worker.terminate();
  }, idleStopMs);
  idleTimer.unref();
}

/**
 * Derives a 32-byte key from a passphrase with Argon2id, on a worker thread so the
 * window never freezes. The passphrase bytes are handed over (transferred) and wiped.
 */
export function deriveKey(passphrase: Uint8Array, salt: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  const copy = new Uint8Array(passphrase);
  passphrase.fill(0);
  const id = nextId++;
  return new Promise<Uint8Array>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    const target = getWorker();
    target.ref();
    target.postMessage(
      { id, passphrase: copy, salt: new Uint8Array(salt), opsLimit: params.opsLimit, memLimitBytes: params.memLimitBytes },
      [copy.buffer],
    );
  }).finally(scheduleStop);
}

/** Argon2id for short codes (ADR 15), on the same worker: a password and the bundle's parameters. */
export function deriveShortCodeKey(password: string, params: { readonly salt: Uint8Array; readonly opslimit: number; readonly memlimit: number }): Promise<Uint8Array> {
  return deriveKey(new TextEncoder().encode(password), params.salt, { opsLimit: params.opslimit, memLimitBytes: params.memlimit });
}
