// Runs in main (Node): the clinic root's only way off the first IT admin's device (ADR 10).
// A small JSON file: the root secret key and the clinic id, encrypted with
// XChaCha20-Poly1305 under a key derived from a passphrase with Argon2id (the same
// parameters as profiles). The header (format, clinic, fingerprint, KDF parameters) is the
// associated data, so changing any of it makes the file refuse to open.
import { z } from 'zod';

import { canonicalBytes } from '../../shared/protocol/canonical';
import { rootFingerprint } from '../../shared/protocol/keys';
import { judgePassphrase } from '../../shared/passphrase';
import { idSchema } from '../../shared/protocol/fields';
import { currentKdfParams, deriveKey, minimumKdfParams, saltBytes, weakerThan } from '../crypto/kdf';
import { fromBase64, toBase64 } from '../crypto/encoding';
import { loadSodium, randomBytes } from '../crypto/sodium';
import { passphraseBytes } from '../profiles/key-file';

export const RECOVERY_FORMAT = 'clinic-messenger-root-recovery';

const headerSchema = z.strictObject({
  format: z.literal(RECOVERY_FORMAT),
  v: z.literal(1),
  clinicId: idSchema,
  fingerprint: z.string().max(80),
  createdAt: z.number().int().min(0),
  kdf: z.strictObject({ alg: z.literal('argon2id13'), opsLimit: z.number().int().min(1).max(20), memLimitBytes: z.number().int().min(8192).max(1024 ** 3), salt: z.string().max(64) }),
  nonce: z.string().max(64),
});
const fileSchema = headerSchema.extend({ ciphertext: z.string().max(1024) });

export type RecoveryErrorCode = 'weak-passphrase' | 'damaged' | 'wrong-passphrase' | 'wrong-clinic';
export class RecoveryFileError extends Error {
  constructor(
    readonly code: RecoveryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecoveryFileError';
  }
}

/** Encrypts the root secret key (64 bytes) for the clinic `clinicId`. Returns the file's text. */
export async function writeRecoveryFile(input: { clinicId: string; rootSecretKey: Uint8Array; passphrase: string; now?: number }): Promise<string> {
  const verdict = judgePassphrase(input.passphrase, ['clinic', 'messenger', 'recovery']);
  if (!verdict.ok) throw new RecoveryFileError('weak-passphrase', 'Choose a stronger passphrase for the recovery file: at least 12 characters that are hard to guess.');
  const sodium = await loadSodium();
  if (input.rootSecretKey.length !== sodium.crypto_sign_SECRETKEYBYTES) throw new RangeError('A root secret key is 64 bytes.');
  const publicKey = sodium.crypto_sign_ed25519_sk_to_pk(input.rootSecretKey);
  const salt = randomBytes(saltBytes);
  const header = {
    format: RECOVERY_FORMAT,
    v: 1 as const,
    clinicId: input.clinicId,
    fingerprint: rootFingerprint(sodium, publicKey),
    createdAt: input.now ?? Date.now(),
    kdf: { alg: 'argon2id13' as const, ...currentKdfParams, salt: toBase64(salt) },
    nonce: toBase64(randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)),
  };
  const key = await deriveKey(passphraseBytes(input.passphrase), salt, currentKdfParams);
  try {
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(input.rootSecretKey, canonicalBytes(header), null, fromBase64(header.nonce) as Uint8Array, key);
    return `${JSON.stringify({ ...header, ciphertext: toBase64(ciphertext) }, null, 2)}\n`;
  } finally {
    sodium.memzero(key);
  }
}

/** Opens a recovery file; the caller must wipe the returned secret key after use. */
export async function readRecoveryFile(text: string, passphrase: string, expectedClinicId?: string): Promise<{ clinicId: string; rootSecretKey: Uint8Array; fingerprint: string }> {
  let parsed;
  try {
    parsed = fileSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) throw new RecoveryFileError('damaged', 'This is not a clinic recovery file, or it is damaged.');
  const { ciphertext, ...header } = parsed.data;
  if (expectedClinicId !== undefined && header.clinicId !== expectedClinicId) throw new RecoveryFileError('wrong-clinic', 'This recovery file belongs to another clinic.');
  const salt = fromBase64(header.kdf.salt, saltBytes);
  const sodium = await loadSodium();
  const nonce = fromBase64(header.nonce, sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const sealed = fromBase64(ciphertext);
  if (!salt || !nonce || !sealed) throw new RecoveryFileError('damaged', 'This recovery file is damaged.');
  const params = { opsLimit: header.kdf.opsLimit, memLimitBytes: header.kdf.memLimitBytes };
  if (weakerThan(params, minimumKdfParams)) throw new RecoveryFileError('damaged', 'This recovery file uses parameters too weak to trust.');
  const key = await deriveKey(passphraseBytes(passphrase), salt, params);
  let secret: Uint8Array;
  try {
    secret = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, canonicalBytes(header), nonce, key);
  } catch {
    throw new RecoveryFileError('wrong-passphrase', 'The passphrase does not open this recovery file (or the file was changed).');
  } finally {
    sodium.memzero(key);
  }
  const fingerprint = rootFingerprint(sodium, sodium.crypto_sign_ed25519_sk_to_pk(secret));
  if (fingerprint !== header.fingerprint) throw new RecoveryFileError('damaged', 'The key in this recovery file does not match its fingerprint.');
  return { clinicId: header.clinicId, rootSecretKey: secret, fingerprint };
}
