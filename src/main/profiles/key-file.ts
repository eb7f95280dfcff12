import { z } from 'zod';

import { type Base64, fromBase64, toBase64 } from '../crypto/encoding';
import { type KdfParams, currentKdfParams, deriveKey, minimumKdfParams, saltBytes, weakerThan } from '../crypto/kdf';
import { type Sodium, loadSodium, randomBytes } from '../crypto/sodium';

/**
 * `key.json` of a profile: the random 256-bit profile key, wrapped with
 * XChaCha20-Poly1305 under a key derived from the passphrase with Argon2id. The Argon2id
 * parameters sit beside it; the profile id and the parameters are bound as associated data,
 * so a key file cannot be moved to another profile or quietly weakened.
 */
export const KeyFileSchema = z
  .object({
    format: z.literal(1),
    profileId: z.string().uuid(),
    kdf: z
      .object({
        alg: z.literal('argon2id13'),
        opsLimit: z.number().int().positive(),
        memLimitBytes: z.number().int().positive(),
        salt: z.string(),
      })
      .strict(),
    wrapped: z.object({ alg: z.literal('xchacha20poly1305-ietf'), nonce: z.string(), ciphertext: z.string() }).strict(),
    /** The same key wrapped by the OS keystore ("remember this device"), when the user chose it. */
    device: z.object({ backend: z.string(), ciphertext: z.string() }).strict().optional(),
    /**
     * BLAKE2b of everything above. Not a security measure (the AEAD is): it tells a damaged
     * file apart from a wrong passphrase, which the AEAD alone cannot.
     */
    checksum: z.string(),
  })
  .strict();
export type KeyFile = z.infer<typeof KeyFileSchema>;

export const profileKeyBytes = 32;

export class KeyFileDamagedError extends Error {
  readonly code = 'profile-damaged';
  constructor(readonly reason: 'unreadable' | 'weakened' | 'malformed') {
    super('The profile’s key file is damaged.');
    this.name = 'KeyFileDamagedError';
  }
}

export class WrongPassphraseError extends Error {
  readonly code = 'wrong-passphrase';
  constructor() {
    super('The passphrase does not open this profile.');
    this.name = 'WrongPassphraseError';
  }
}

function associatedData(profileId: string, kdf: KdfParams): Uint8Array {
  return new TextEncoder().encode(`clinic-messenger/profile-key/v1|${profileId}|argon2id13|${kdf.opsLimit}|${kdf.memLimitBytes}`);
}

/** Passphrases are compared as NFC UTF-8, so the same words typed on any system give the same key. */
export function passphraseBytes(passphrase: string): Uint8Array {
  return new TextEncoder().encode(passphrase.normalize('NFC'));
}

async function wrapWith(sodium: Sodium, profileKey: Uint8Array, passphrase: string, profileId: string, kdf: KdfParams) {
  const salt = randomBytes(saltBytes);
  const wrappingKey = await deriveKey(passphraseBytes(passphrase), salt, kdf);
  const nonce = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(profileKey, associatedData(profileId, kdf), null, nonce, wrappingKey);
  sodium.memzero(wrappingKey);
  return {
    kdf: { alg: 'argon2id13' as const, ...kdf, salt: toBase64(salt) },
    wrapped: { alg: 'xchacha20poly1305-ietf' as const, nonce: toBase64(nonce), ciphertext: toBase64(ciphertext) },
  };
}

/** Wraps a profile key under a passphrase with today's parameters; keeps any device wrap. */
export async function wrapProfileKey(
  profileKey: Uint8Array,
  passphrase: string,
  profileId: string,
  device?: KeyFile['device'],
): Promise<KeyFile> {
  const sodium = await loadSodium();
  const wrapped = await wrapWith(sodium, profileKey, passphrase, profileId, currentKdfParams);
  return withChecksum(sodium, { format: 1, profileId, ...wrapped, ...(device ? { device } : {}) });
}

/** Sets or replaces the device wrap (undefined removes it), keeping the rest as it is. */
export async function withDeviceWrap(file: KeyFile, device: KeyFile['device'] | undefined): Promise<KeyFile> {
  const { device: _old, checksum: _sum, ...rest } = file;
  return withChecksum(await loadSodium(), { ...rest, ...(device ? { device } : {}) });
}

function checksumOf(sodium: Sodium, body: Omit<KeyFile, 'checksum'>): string {
  const canonical = JSON.stringify([body.format, body.profileId, body.kdf, body.wrapped, body.device ?? null]);
  return toBase64(sodium.crypto_generichash(16, new TextEncoder().encode(canonical), null));
}

function withChecksum(sodium: Sodium, body: Omit<KeyFile, 'checksum'>): KeyFile {
  return { ...body, checksum: checksumOf(sodium, body) };
}

export async function parseKeyFile(text: string, expectedProfileId: string): Promise<KeyFile> {
  const sodium = await loadSodium();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileDamagedError('unreadable');
  }
  const parsed = KeyFileSchema.safeParse(json);
  if (!parsed.success || parsed.data.profileId !== expectedProfileId) throw new KeyFileDamagedError('malformed');
  const { checksum, ...body } = parsed.data;
  if (checksum !== checksumOf(sodium, body)) throw new KeyFileDamagedError('unreadable');
  if (weakerThan(parsed.data.kdf, minimumKdfParams)) throw new KeyFileDamagedError('weakened');
  return parsed.data;
}

/**
 * Opens the key file with a passphrase. Returns the profile key and whether the file
 * should be re-wrapped because its Argon2id parameters are below today's.
 */
export async function unwrapProfileKey(file: KeyFile, passphrase: string): Promise<{ key: Uint8Array; needsRewrap: boolean }> {
  const sodium = await loadSodium();
  const salt = fromBase64(file.kdf.salt, saltBytes);
  const nonce = fromBase64(file.wrapped.nonce, sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = fromBase64(file.wrapped.ciphertext, profileKeyBytes + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES);
  if (!salt || !nonce || !ciphertext) throw new KeyFileDamagedError('malformed');
  const wrappingKey = await deriveKey(passphraseBytes(passphrase), salt, file.kdf);
  try {
    const key = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, associatedData(file.profileId, file.kdf), nonce, wrappingKey);
    return { key, needsRewrap: weakerThan(file.kdf, currentKdfParams) };
  } catch {
    throw new WrongPassphraseError();
  } finally {
    sodium.memzero(wrappingKey);
  }
}

/** The database key, the blob key and the backup key, each derived from the one profile key. */
export async function subkeys(profileKey: Uint8Array): Promise<{ database: Uint8Array; blobs: Uint8Array; backup: Uint8Array; network: Uint8Array }> {
  const sodium = await loadSodium();
  const derive = (id: number) => sodium.crypto_kdf_derive_from_key(32, id, 'cmprofil', profileKey);
  return { database: derive(1), blobs: derive(2), backup: derive(3), network: derive(4) };
}

export const deviceWrapOf = (backend: string, ciphertext: Uint8Array): NonNullable<KeyFile['device']> => ({
  backend,
  ciphertext: toBase64(ciphertext) as Base64,
});
