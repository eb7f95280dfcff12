// Runs in the portal and in Node tests: everything the portal keeps, encrypted at rest.
//
//   'key'      the passphrase-wrapped secret (key-wrap.ts): the device's identity (its
//              Ed25519 and X25519 keys, the pinned clinic root) and a random 256-bit data key
//   any other  a JSON value sealed with the data key (XChaCha20-Poly1305, random nonce); the
//              record's name is in the associated data, so records cannot be swapped
//
// Without the passphrase the backend holds nothing readable: not the messages, not the
// keys, not even which clinic or patient this is.
import { signingInput, utf8Encode } from '../../shared/protocol/canonical';
import { fromBase64, toBase64 } from '../../shared/protocol/encoding';
import { type DeriveKey, type KdfCosts, KeyWrapError, unwrapSecret, wrapSecret } from '../crypto/key-wrap';
import { type PortalSodium, randomBytes } from '../crypto/sodium';
import { type VaultBackend } from './backend';

const KEY_RECORD = 'key';
const RECORD_PREFIX = 'clinic-messenger/portal-record/v1';
const NONCE_BYTES = 24;

const encode = (value: unknown): Uint8Array => utf8Encode(JSON.stringify(value));
const decode = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));

export class VaultError extends Error {
  constructor(
    readonly code: 'wrong-passphrase' | 'damaged' | 'empty',
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

type Unwrapped<S> = { readonly secrets: S; readonly dataKey: string };

export class Vault<S> {
  private closed = false;

  private constructor(
    private readonly sodium: PortalSodium,
    private readonly backend: VaultBackend,
    private readonly dataKey: Uint8Array,
    readonly secrets: S,
  ) {}

  /** Whether this browser holds a vault (an enrolled device) at all. */
  static async exists(backend: VaultBackend): Promise<boolean> {
    return (await backend.get(KEY_RECORD)) !== null;
  }

  /** A new vault: a fresh data key, wrapped with `secrets` under the passphrase. */
  static async create<S>(sodium: PortalSodium, backend: VaultBackend, passphrase: string, secrets: S, costs?: KdfCosts, derive?: DeriveKey): Promise<Vault<S>> {
    const dataKey = randomBytes(32);
    const wrapped = await wrapSecret(sodium, passphrase, encode({ secrets, dataKey: toBase64(dataKey) } satisfies Unwrapped<S>), costs, derive);
    await backend.put([[KEY_RECORD, encode(wrapped)]]);
    return new Vault(sodium, backend, dataKey, secrets);
  }

  /** Opens the vault. Throws VaultError: 'empty', 'wrong-passphrase' or 'damaged'. */
  static async open<S>(sodium: PortalSodium, backend: VaultBackend, passphrase: string, derive?: DeriveKey): Promise<Vault<S>> {
    const stored = await backend.get(KEY_RECORD);
    if (!stored) throw new VaultError('empty', 'Nothing is stored on this device.');
    let wrapped: unknown;
    try {
      wrapped = decode(stored);
    } catch {
      throw new VaultError('damaged', 'The keys stored on this device are damaged.');
    }
    let plain: Uint8Array;
    try {
      plain = await unwrapSecret(sodium, passphrase, wrapped, derive);
    } catch (error) {
      if (error instanceof KeyWrapError && error.code === 'wrong-passphrase') throw new VaultError('wrong-passphrase', error.message);
      throw new VaultError('damaged', 'The keys stored on this device are damaged.');
    }
    let unwrapped: Unwrapped<S>;
    try {
      unwrapped = decode(plain) as Unwrapped<S>;
    } finally {
      plain.fill(0);
    }
    const dataKey = fromBase64(unwrapped.dataKey);
    if (!dataKey || dataKey.length !== 32) throw new VaultError('damaged', 'The keys stored on this device are damaged.');
    return new Vault(sodium, backend, dataKey, unwrapped.secrets);
  }

  private ad(name: string): Uint8Array {
    return signingInput(RECORD_PREFIX, { name });
  }

  /** Reads and decrypts one record; null when absent. Throws VaultError 'damaged' if it does not open. */
  async read<T>(name: string): Promise<T | null> {
    if (this.closed) throw new VaultError('empty', 'The vault is locked.');
    if (name === KEY_RECORD) throw new RangeError('The key record is not a data record.');
    const stored = await this.backend.get(name);
    if (!stored) return null;
    try {
      const nonce = stored.slice(0, NONCE_BYTES);
      const plain = this.sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, stored.slice(NONCE_BYTES), this.ad(name), nonce, this.dataKey);
      return decode(plain) as T;
    } catch {
      throw new VaultError('damaged', 'A record stored on this device does not open.');
    }
  }

  /** Encrypts and writes records, all in one transaction. */
  async write(records: Readonly<Record<string, unknown>>): Promise<void> {
    // Never write with a wiped key: that would leave records nobody can open.
    if (this.closed) throw new VaultError('empty', 'The vault is locked.');
    const entries: [string, Uint8Array][] = [];
    for (const [name, value] of Object.entries(records)) {
      if (name === KEY_RECORD) throw new RangeError('The key record is not a data record.');
      const nonce = randomBytes(NONCE_BYTES);
      const sealed = this.sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(encode(value), this.ad(name), null, nonce, this.dataKey);
      const out = new Uint8Array(NONCE_BYTES + sealed.length);
      out.set(nonce);
      out.set(sealed, NONCE_BYTES);
      entries.push([name, out]);
    }
    await this.backend.put(entries);
  }

  /** Forgets the key in memory (on lock); the stored records stay. */
  close(): void {
    this.closed = true;
    this.dataKey.fill(0);
  }
}
