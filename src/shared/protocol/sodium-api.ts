// Runs anywhere: the protocol never imports libsodium itself. Callers (main, relay, tests)
// pass in `libsodium-wrappers-sumo` after `await sodium.ready`; this type lists exactly what
// the protocol uses, so the shared zone stays free of environment-specific packages.

export interface SodiumKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export interface SodiumApi {
  readonly crypto_sign_PUBLICKEYBYTES: number;
  readonly crypto_sign_SECRETKEYBYTES: number;
  readonly crypto_sign_SEEDBYTES: number;
  readonly crypto_sign_BYTES: number;
  readonly crypto_box_PUBLICKEYBYTES: number;
  readonly crypto_box_SEALBYTES: number;
  readonly crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number;
  readonly crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number;
  readonly crypto_aead_xchacha20poly1305_ietf_ABYTES: number;

  randombytes_buf(length: number): Uint8Array;
  crypto_sign_keypair(): SodiumKeyPair;
  crypto_sign_seed_keypair(seed: Uint8Array): SodiumKeyPair;
  crypto_sign_detached(message: Uint8Array, privateKey: Uint8Array): Uint8Array;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  crypto_box_keypair(): SodiumKeyPair;
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array;
  crypto_sign_ed25519_sk_to_pk(privateKey: Uint8Array): Uint8Array;
  crypto_box_seal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  crypto_box_seal_open(ciphertext: Uint8Array, publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    message: Uint8Array,
    additionalData: Uint8Array | null,
    secretNonce: null,
    publicNonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    secretNonce: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    publicNonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  crypto_generichash(hashLength: number, message: Uint8Array, key: Uint8Array | null): Uint8Array;
  /** SHA-256, for what must match a standard outside the protocol (Subresource Integrity). */
  crypto_hash_sha256(message: Uint8Array): Uint8Array;
}
