// Runs in the portal (browser) and in Node tests: a secret wrapped under the patient's
// passphrase. Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13) turns the passphrase and a
// random salt into a 256-bit key; XChaCha20-Poly1305 seals the secret with it. The header
// (version, KDF costs, salt, nonce) is the associated data, so changing any of it, e.g.
// lowering the costs, makes the secret fail to open.
//
// Costs: 3 passes over 64 MiB (libsodium's INTERACTIVE memory with MODERATE-like passes),
// the same as the clinic's recovery file. MODERATE (256 MiB) does not fit in the memory a
// phone browser gives one tab's WebAssembly and would take several seconds there; 64 MiB × 3
// keeps unlocking near one second on a mid-range phone while making each passphrase guess
// cost 64 MiB of memory. The costs are stored in the header, so a later version can raise
// them and re-wrap on the next unlock. In the browser Argon2id runs in a Web Worker
// (worker-derive.ts), so the page keeps painting while it works.
import { z } from 'zod';

import { signingInput } from '../../shared/protocol/canonical';
import { fromBase64, toBase64 } from '../../shared/protocol/encoding';
import { base64BytesSchema, decodeChecked } from '../../shared/protocol/fields';
import { type PortalSodium, randomBytes } from './sodium';

const WRAP_PREFIX = 'clinic-messenger/portal-key-wrap/v1';
export const KDF_OPSLIMIT = 3;
export const KDF_MEMLIMIT = 64 * 1024 * 1024;
const SALT_BYTES = 16; // crypto_pwhash_SALTBYTES
const NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
const KEY_BYTES = 32;

export const wrapHeaderSchema = z.strictObject({
  v: z.literal(1),
  kdf: z.literal('argon2id13'),
  // Bounds keep a tampered header from asking for absurd work or memory.
  opslimit: z.number().int().min(1).max(20),
  memlimit: z.number().int().min(8 * 1024 * 1024).max(1024 * 1024 * 1024),
  salt: base64BytesSchema(SALT_BYTES),
  aead: z.literal('xchacha20poly1305-ietf'),
  nonce: base64BytesSchema(NONCE_BYTES),
});
export type WrapHeader = z.infer<typeof wrapHeaderSchema>;

export const wrappedSecretSchema = z.strictObject({ header: wrapHeaderSchema, ciphertext: z.string().min(1).max(1_000_000) });
export type WrappedSecret = z.infer<typeof wrappedSecretSchema>;

export type KeyWrapErrorCode = 'wrong-passphrase' | 'malformed';
export class KeyWrapError extends Error {
  constructor(
    readonly code: KeyWrapErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KeyWrapError';
  }
}

export type KdfCosts = { readonly opslimit: number; readonly memlimit: number };
const DEFAULT_COSTS: KdfCosts = { opslimit: KDF_OPSLIMIT, memlimit: KDF_MEMLIMIT };

/** Argon2id: 32 bytes from a passphrase. The browser runs it in a worker (worker-derive.ts). */
export type DeriveKey = (passphrase: string, params: { readonly salt: Uint8Array; readonly opslimit: number; readonly memlimit: number }) => Promise<Uint8Array>;

/** Argon2id on the calling thread (Node tests, and the browser's fallback without workers). */
export function deriveOnThisThread(sodium: PortalSodium): DeriveKey {
  return async (passphrase, { salt, opslimit, memlimit }) => sodium.crypto_pwhash(KEY_BYTES, passphrase.normalize('NFC'), salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
}

function deriveKey(derive: DeriveKey, passphrase: string, header: WrapHeader): Promise<Uint8Array> {
  return derive(passphrase.normalize('NFC'), { salt: decodeChecked(header.salt), opslimit: header.opslimit, memlimit: header.memlimit });
}

/** Seals `secret` under a key derived from `passphrase`. Slow on purpose (Argon2id). */
export async function wrapSecret(sodium: PortalSodium, passphrase: string, secret: Uint8Array, costs: KdfCosts = DEFAULT_COSTS, derive: DeriveKey = deriveOnThisThread(sodium)): Promise<WrappedSecret> {
  const header = wrapHeaderSchema.parse({
    v: 1,
    kdf: 'argon2id13',
    opslimit: costs.opslimit,
    memlimit: costs.memlimit,
    salt: toBase64(randomBytes(SALT_BYTES)),
    aead: 'xchacha20poly1305-ietf',
    nonce: toBase64(randomBytes(NONCE_BYTES)),
  });
  const key = await deriveKey(derive, passphrase, header);
  try {
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, signingInput(WRAP_PREFIX, header), null, decodeChecked(header.nonce), key);
    return { header, ciphertext: toBase64(sealed) };
  } finally {
    key.fill(0);
  }
}

/** Opens a wrapped secret. Throws KeyWrapError: 'malformed', or 'wrong-passphrase' (also for any tampering). */
export async function unwrapSecret(sodium: PortalSodium, passphrase: string, input: unknown, derive: DeriveKey = deriveOnThisThread(sodium)): Promise<Uint8Array> {
  const parsed = wrappedSecretSchema.safeParse(input);
  if (!parsed.success) throw new KeyWrapError('malformed', 'The stored keys cannot be read.');
  const { header, ciphertext } = parsed.data;
  const sealed = fromBase64(ciphertext);
  if (!sealed) throw new KeyWrapError('malformed', 'The stored keys cannot be read.');
  const key = await deriveKey(derive, passphrase, header);
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, signingInput(WRAP_PREFIX, header), decodeChecked(header.nonce), key);
  } catch {
    throw new KeyWrapError('wrong-passphrase', 'This passphrase does not open the keys on this device.');
  } finally {
    key.fill(0);
  }
}
