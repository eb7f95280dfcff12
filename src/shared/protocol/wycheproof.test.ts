// Google's Wycheproof vectors (tests/data/wycheproof, see its README: a trimmed subset of the
// upstream files) run against the primitives the protocol uses, through libsodium.
// Every `it` counts what it ran and compares the count with the file, so an empty or
// half-read file cannot pass.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import type { SodiumApi } from './sodium-api';

type Result = 'valid' | 'invalid' | 'acceptable';

interface VectorFile<G> {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}

interface AeadTest {
  readonly tcId: number;
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
  readonly result: Result;
}
interface AeadGroup {
  readonly ivSize: number;
  readonly tagSize: number;
  readonly tests: readonly AeadTest[];
}

interface XdhTest {
  readonly tcId: number;
  readonly public: string;
  readonly private: string;
  readonly shared: string;
  readonly result: Result;
}
interface XdhGroup {
  readonly curve: string;
  readonly tests: readonly XdhTest[];
}

interface EddsaTest {
  readonly tcId: number;
  readonly msg: string;
  readonly sig: string;
  readonly result: Result;
}
interface EddsaGroup {
  readonly publicKey: { readonly pk: string };
  readonly tests: readonly EddsaTest[];
}

function load<G>(name: string): VectorFile<G> {
  const path = fileURLToPath(new URL(`../../../tests/data/wycheproof/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as VectorFile<G>;
}

const countTests = (file: VectorFile<{ readonly tests: readonly unknown[] }>): number =>
  file.testGroups.reduce((n, g) => n + g.tests.length, 0);

const hex = (s: string): Uint8Array => sodium.from_hex(s);
const toHex = (b: Uint8Array): string => sodium.to_hex(b);
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
};
const throws = (fn: () => unknown): boolean => {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
};

// The protocol's view of libsodium: calls that exist in SodiumApi go through it, so the test
// also shows that the wrapper surface the protocol is typed against behaves as Wycheproof expects.
let api: SodiumApi;

beforeAll(async () => {
  await sodium.ready;
  api = sodium;
});

describe('Wycheproof', () => {
  it('XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf_*)', () => {
    const file = load<AeadGroup>('xchacha20_poly1305_test.json');
    expect(file.algorithm).toBe('XCHACHA20-POLY1305');
    expect(countTests(file)).toBe(file.numberOfTests);

    const failures: string[] = [];
    let ran = 0;
    let skipped = 0;
    let tamperedRejected = 0;
    for (const group of file.testGroups) {
      if (group.ivSize !== 192 || group.tagSize !== 128) {
        // Not an XChaCha20-Poly1305 parameter set libsodium offers (wrong nonce size): skipped
        // as a vector, but libsodium must still refuse the nonce rather than use it.
        for (const t of group.tests) {
          skipped++;
          if (!throws(() => api.crypto_aead_xchacha20poly1305_ietf_encrypt(hex(t.msg), hex(t.aad), null, hex(t.iv), hex(t.key)))) {
            failures.push(`tcId ${t.tcId}: a ${group.ivSize}-bit nonce was accepted`);
          }
        }
        continue;
      }
      for (const t of group.tests) {
        ran++;
        const [key, iv, aad, msg] = [hex(t.key), hex(t.iv), hex(t.aad), hex(t.msg)];
        const sealed = concat(hex(t.ct), hex(t.tag));
        const open = (): Uint8Array => api.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, aad, iv, key);
        if (t.result === 'invalid') {
          if (!throws(open)) failures.push(`tcId ${t.tcId}: invalid ciphertext was accepted`);
          continue;
        }
        // "valid" (no "acceptable" vectors exist for this AEAD): exact ciphertext, and it opens.
        const ct = api.crypto_aead_xchacha20poly1305_ietf_encrypt(msg, aad, null, iv, key);
        if (toHex(ct) !== toHex(sealed)) failures.push(`tcId ${t.tcId}: encrypt gave ${toHex(ct)}`);
        let opened: Uint8Array | null = null;
        try {
          opened = open();
        } catch (error) {
          failures.push(`tcId ${t.tcId}: decrypt threw ${String(error)}`);
        }
        if (opened && toHex(opened) !== t.msg) failures.push(`tcId ${t.tcId}: decrypt gave ${toHex(opened)}`);
        // Derived (not upstream): the same vector with one tag bit flipped must not open.
        const tampered = sealed.slice();
        tampered[tampered.length - 1]! ^= 0x01;
        if (throws(() => api.crypto_aead_xchacha20poly1305_ietf_decrypt(null, tampered, aad, iv, key))) tamperedRejected++;
        else failures.push(`tcId ${t.tcId}: tag with a flipped bit was accepted`);
      }
    }

    expect(failures).toEqual([]);
    expect(ran).toBe(32); // 20 valid + 12 ModifiedTag (tcId 194-205)
    expect(skipped).toBe(9); // the nine InvalidNonceSize groups (0..256-bit nonces, never 192)
    expect(ran + skipped).toBe(file.numberOfTests);
    expect(group0Invalid(file)).toBe(12); // the ModifiedTag vectors really are in the run
    expect(tamperedRejected).toBe(ran - group0Invalid(file));
  });

  it('X25519 (crypto_scalarmult)', () => {
    const file = load<XdhGroup>('x25519_test.json');
    expect(file.algorithm).toBe('XDH');
    expect(countTests(file)).toBe(file.numberOfTests);

    const failures: string[] = [];
    let ran = 0;
    let rejected = 0;
    for (const group of file.testGroups) {
      expect(group.curve).toBe('curve25519');
      for (const t of group.tests) {
        ran++;
        let shared: string | null = null;
        try {
          // crypto_scalarmult is not in SodiumApi (the protocol reaches X25519 only through
          // crypto_box_seal), so this calls libsodium directly.
          shared = toHex(sodium.crypto_scalarmult(hex(t.private), hex(t.public)));
        } catch {
          shared = null;
        }
        const zero = /^0+$/.test(t.shared);
        if (t.result === 'valid') {
          if (shared !== t.shared) failures.push(`tcId ${t.tcId}: valid vector gave ${shared ?? 'an error'}`);
        } else if (t.result === 'invalid') {
          if (shared === t.shared) failures.push(`tcId ${t.tcId}: invalid vector was computed`);
        } else if (shared === null) {
          // "acceptable" (twist points, low-order points): libsodium may refuse only where it
          // documents it, i.e. a low-order public key that makes the shared secret all zero.
          rejected++;
          if (!zero) failures.push(`tcId ${t.tcId}: acceptable vector with a non-zero secret was refused`);
        } else if (shared !== t.shared) {
          // When it does compute, the value must be the RFC 7748 one.
          failures.push(`tcId ${t.tcId}: acceptable vector gave ${shared}`);
        }
      }
    }

    expect(failures).toEqual([]);
    expect(ran).toBe(file.numberOfTests);
    expect(ran).toBe(68);
    // tcId 32, 33 and 63-86: the LowOrderPublic / ZeroSharedSecret vectors (canonical and
    // non-canonical encodings of low-order points), all with an all-zero shared secret.
    expect(rejected).toBe(26);
  });

  it('Ed25519 (crypto_sign_verify_detached, crypto_sign_detached)', () => {
    const file = load<EddsaGroup>('ed25519_test.json');
    expect(file.algorithm).toBe('EDDSA');
    expect(countTests(file)).toBe(file.numberOfTests);

    const failures: string[] = [];
    let ran = 0;
    for (const group of file.testGroups) {
      const pk = hex(group.publicKey.pk);
      for (const t of group.tests) {
        ran++;
        const [msg, sig] = [hex(t.msg), hex(t.sig)];
        let ok: boolean;
        try {
          ok = api.crypto_sign_verify_detached(sig, msg, pk);
        } catch {
          ok = false; // libsodium-wrappers throws on a signature that is not 64 bytes
        }
        if (t.result === 'valid' && !ok) failures.push(`tcId ${t.tcId}: valid signature rejected`);
        if (t.result === 'invalid' && ok) failures.push(`tcId ${t.tcId}: invalid signature accepted`);
        // "acceptable": none in the file; either answer would do.
      }
    }

    expect(failures).toEqual([]);
    expect(ran).toBe(file.numberOfTests);
    expect(ran).toBe(151);
  });

  // The Wycheproof v1 Ed25519 file has public keys only; signing is checked against the
  // deterministic test vectors of RFC 8032, section 7.1 (tests 1 and 2).
  it('signs like RFC 8032 section 7.1', () => {
    const vectors = [
      {
        seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
        pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        msg: '',
        sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      },
      {
        seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
        pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        msg: '72',
        sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      },
    ];
    for (const v of vectors) {
      const pair = api.crypto_sign_seed_keypair(hex(v.seed));
      expect(toHex(pair.publicKey)).toBe(v.pk);
      expect(toHex(api.crypto_sign_detached(hex(v.msg), pair.privateKey))).toBe(v.sig);
    }
  });
});

/** Upstream "invalid" vectors in the 192-bit group (the ModifiedTag vectors, tcId 194-205). */
function group0Invalid(file: VectorFile<AeadGroup>): number {
  return file.testGroups
    .filter((g) => g.ivSize === 192 && g.tagSize === 128)
    .reduce((n, g) => n + g.tests.filter((t) => t.result === 'invalid').length, 0);
}
