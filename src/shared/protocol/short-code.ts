// Runs anywhere: the short code a person types (ADR 15). The long one-time code (codes.ts)
// stays in the QR code and the link; the short one opens it:
//
//   LLLS-SSSS-SSSS-SSCC     16 characters in groups of four
//   L  lookup id, 3 characters (where the relay files the code's bundle)
//   S  secret, 11 characters (31^11 ≈ 2^54.5)
//   C  two check characters
//
// The alphabet has no look-alikes: no 0/O, no 1/I/L. The two check characters make every
// position's weighted sum and plain sum zero modulo 31 (a prime), so a single mistyped
// character is found and its group named, and two swapped neighbours are caught.
//
// The relay never sees the secret or the date of birth. It holds, under the lookup id, a
// bundle: the long code sealed with a key that Argon2id derives from the short code (and,
// for a patient, the date of birth), plus the public half of a signing key derived the same
// way. It hands the bundle only to whoever signs its challenge with that key.
import { z } from 'zod';

import { canonicalJson, concatBytes, utf8Encode } from './canonical';
import { toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { base64BytesSchema, decodeChecked } from './fields';
import { type CodeKind } from './codes';
import { signingKeysFromSeed } from './keys';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

export const SHORT_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const BASE = SHORT_ALPHABET.length; // 31, a prime
const LOOKUP_CHARS = 3;
const SECRET_CHARS = 11;
const DATA_CHARS = LOOKUP_CHARS + SECRET_CHARS;
export const SHORT_CODE_CHARS = DATA_CHARS + 2;
const GROUP = 4;

/** Argon2id costs of a bundle: at least 64 MiB; bounded so a tampered answer cannot ask for absurd work. */
export const SHORT_CODE_OPSLIMIT = 3;
export const SHORT_CODE_MEMLIMIT = 64 * 1024 * 1024;
const SALT_BYTES = 16;
const NONCE_BYTES = 24;

export type ShortCode = {
  readonly kind: CodeKind;
  /** Three characters of the alphabet. */
  readonly lookupId: string;
  /** Eleven characters of the alphabet. */
  readonly secret: string;
};

export type ShortCodeErrorCode = 'length' | 'character' | 'typo';
export class ShortCodeError extends ProtocolError<ShortCodeErrorCode> {
  constructor(
    code: ShortCodeErrorCode,
    message: string,
    /** The group (1 to 4) that holds the mistake, when it can be named. */
    readonly group: number | null = null,
  ) {
    super(code, message);
  }
}

const mod = (n: number): number => ((n % BASE) + BASE) % BASE;
const valueOf = (ch: string): number => SHORT_ALPHABET.indexOf(ch);

/** [plain sum, weighted sum] over positions 1..n, modulo 31. */
function sums(values: readonly number[]): [number, number] {
  let plain = 0;
  let weighted = 0;
  values.forEach((v, i) => {
    plain = mod(plain + v);
    weighted = mod(weighted + (i + 1) * v);
  });
  return [plain, weighted];
}

function inverse(a: number): number {
  // Fermat: a^(p-2) mod p.
  let result = 1;
  let base = mod(a);
  for (let e = BASE - 2; e > 0; e >>= 1) {
    if (e & 1) result = mod(result * base);
    base = mod(base * base);
  }
  return result;
}

function withChecks(data: readonly number[]): number[] {
  const [a, b] = sums(data);
  // c15 + c16 ≡ -a and 15·c15 + 16·c16 ≡ -b (mod 31).
  const c16 = mod(15 * a - b);
  const c15 = mod(-a - c16);
  return [...data, c15, c16];
}

/** A fresh short code: lookup id and secret from libsodium's uniform random numbers. */
export function createShortCode(sodium: Pick<SodiumApi, 'randombytes_buf'>, kind: CodeKind): ShortCode {
  const pick = (n: number): string => {
    let out = '';
    while (out.length < n) {
      // Rejection sampling on single bytes: 248 = 8 × 31, so every symbol is equally likely.
      for (const byte of sodium.randombytes_buf(n * 2)) {
        if (byte < 248 && out.length < n) out += SHORT_ALPHABET[byte % BASE];
      }
    }
    return out;
  };
  return { kind, lookupId: pick(LOOKUP_CHARS), secret: pick(SECRET_CHARS) };
}

/** The code as it is printed and read: `XXXX-XXXX-XXXX-XXXX`. */
export function formatShortCode(code: ShortCode): string {
  const values = [...code.lookupId, ...code.secret].map(valueOf);
  if (values.length !== DATA_CHARS || values.some((v) => v < 0)) throw new ShortCodeError('character', 'This short code holds characters outside its alphabet.');
  const text = withChecks(values)
    .map((v) => SHORT_ALPHABET[v])
    .join('');
  return (text.match(/.{1,4}/g) ?? []).join('-');
}

/** Spaces, dashes and dots dropped, upper case: what a person means by what they typed. */
export const compactShortCode = (text: string): string => text.toUpperCase().replace(/[\s.\u2010-\u2015-]/g, '');

/** Whether a typed text is shaped like a short code (as opposed to a long code or nothing). */
export const looksShort = (text: string): boolean => {
  const compact = compactShortCode(text);
  return compact.length > 0 && compact.length <= SHORT_CODE_CHARS + 2;
};

/**
 * Reads a short code typed by a person: case, spaces and dashes do not matter. Throws
 * ShortCodeError: 'length' (too short or too long), 'character' (a character that is not in
 * the alphabet, such as O or 1; its group named), 'typo' (the check characters do not match;
 * the group named when one character is wrong).
 */
export function parseShortCode(text: string, kind: CodeKind): ShortCode {
  const compact = compactShortCode(text);
  if (compact.length !== SHORT_CODE_CHARS) throw new ShortCodeError('length', `A short code has ${SHORT_CODE_CHARS} characters; this one has ${compact.length}.`);
  const values = [...compact].map(valueOf);
  const bad = values.findIndex((v) => v < 0);
  if (bad >= 0) throw new ShortCodeError('character', 'A short code never holds 0, O, 1, I or L, nor any sign.', Math.floor(bad / GROUP) + 1);
  const [plain, weighted] = sums(values);
  if (plain !== 0 || weighted !== 0) {
    // One wrong character at position j (1-based) by e: plain = e and weighted = j·e.
    const position = plain === 0 ? 0 : mod(weighted * inverse(plain));
    const group = position >= 1 && position <= SHORT_CODE_CHARS ? Math.floor((position - 1) / GROUP) + 1 : null;
    throw new ShortCodeError('typo', 'The short code has a typing mistake.', group);
  }
  return { kind, lookupId: compact.slice(0, LOOKUP_CHARS), secret: compact.slice(LOOKUP_CHARS, DATA_CHARS) };
}

/** A date of birth as the front desk records it (`YYYY-MM-DD`), checked to be a real date. */
export function normalizeBirthDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Argon2id, 32 bytes: the caller runs it where it may be slow (a worker in the browser). */
export type ShortCodeDerive = (password: string, params: { readonly salt: Uint8Array; readonly opslimit: number; readonly memlimit: number }) => Promise<Uint8Array>;

/** A lookup id as the relay files it: three characters of the alphabet. */
export const lookupIdSchema = z.string().regex(new RegExp(`^[${SHORT_ALPHABET}]{${LOOKUP_CHARS}}$`));

export const shortCodeParamsSchema = z.strictObject({
  v: z.literal(1),
  kdf: z.literal('argon2id13'),
  opslimit: z.number().int().min(SHORT_CODE_OPSLIMIT).max(10),
  memlimit: z.number().int().min(SHORT_CODE_MEMLIMIT).max(256 * 1024 * 1024),
  salt: base64BytesSchema(SALT_BYTES),
});
export type ShortCodeParams = z.infer<typeof shortCodeParamsSchema>;

/** What the relay stores under a lookup id. Nothing in it is secret without the code. */
export const shortCodeBundleSchema = z.strictObject({
  v: z.literal(1),
  kind: z.enum(['invite', 'enrollment']),
  lookupId: lookupIdSchema,
  /** The invite or enrollment the long code redeems (the relay already knows its id). */
  targetId: z.string().min(1).max(64),
  params: shortCodeParamsSchema,
  /** Ed25519 public key derived with the bundle key; the relay checks proofs against it. */
  proofKey: base64BytesSchema(32),
  nonce: base64BytesSchema(NONCE_BYTES),
  ciphertext: z.string().min(1).max(4096),
});
export type ShortCodeBundle = z.infer<typeof shortCodeBundleSchema>;

const sealedPlainSchema = z.strictObject({ v: z.literal(1), code: z.string().min(1).max(200) });

/** The password Argon2id stretches: the kind, the code's 14 data characters and the birth date. */
function passwordOf(code: ShortCode, birthDate: string | null): string {
  return `clinic-messenger/short-code/v1|${code.kind}|${code.lookupId}${code.secret}|${birthDate ?? ''}`;
}

type DerivedKeys = { readonly proof: SodiumKeyPair; readonly boxKey: Uint8Array };

async function deriveKeys(sodium: SodiumApi, derive: ShortCodeDerive, code: ShortCode, birthDate: string | null, params: ShortCodeParams): Promise<DerivedKeys> {
  const master = await derive(passwordOf(code, birthDate), { salt: decodeChecked(params.salt), opslimit: params.opslimit, memlimit: params.memlimit });
  try {
    const seed = sodium.crypto_generichash(32, utf8Encode('clinic-messenger/short-code-proof/v1'), master);
    const boxKey = sodium.crypto_generichash(32, utf8Encode('clinic-messenger/short-code-bundle/v1'), master);
    const proof = signingKeysFromSeed(sodium, seed);
    seed.fill(0);
    return { proof, boxKey };
  } finally {
    master.fill(0);
  }
}

const headerOf = (b: Pick<ShortCodeBundle, 'v' | 'kind' | 'lookupId' | 'targetId' | 'params' | 'proofKey'>): Uint8Array =>
  utf8Encode(canonicalJson({ v: b.v, kind: b.kind, lookupId: b.lookupId, targetId: b.targetId, params: b.params, proofKey: b.proofKey }));

/** Seals a long code under a short code (and a patient's birth date). Slow on purpose. */
export async function sealShortCodeBundle(
  sodium: SodiumApi,
  derive: ShortCodeDerive,
  input: { readonly code: ShortCode; readonly birthDate: string | null; readonly targetId: string; readonly longCode: string },
  costs: { readonly opslimit: number; readonly memlimit: number } = { opslimit: SHORT_CODE_OPSLIMIT, memlimit: SHORT_CODE_MEMLIMIT },
): Promise<ShortCodeBundle> {
  const params = shortCodeParamsSchema.parse({ v: 1, kdf: 'argon2id13', ...costs, salt: toBase64(sodium.randombytes_buf(SALT_BYTES)) });
  const keys = await deriveKeys(sodium, derive, input.code, input.birthDate, params);
  try {
    const partial = { v: 1 as const, kind: input.code.kind, lookupId: input.code.lookupId, targetId: input.targetId, params, proofKey: toBase64(keys.proof.publicKey) };
    const nonce = sodium.randombytes_buf(NONCE_BYTES);
    const plain = utf8Encode(JSON.stringify({ v: 1, code: input.longCode }));
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, headerOf(partial), null, nonce, keys.boxKey);
    return shortCodeBundleSchema.parse({ ...partial, nonce: toBase64(nonce), ciphertext: toBase64(ciphertext) });
  } finally {
    keys.boxKey.fill(0);
    keys.proof.privateKey.fill(0);
  }
}

/** What is signed to prove the code: bound to the clinic, the lookup id and the relay's challenge. */
export function shortCodeProofInput(clinicId: string, lookupId: string, challenge: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(`clinic-messenger/short-code-proof/v1|${clinicId}|${lookupId}|`), challenge);
}

/** The redeeming side's keys for one candidate's parameters; `open` then reads its bundle. */
export async function proveShortCode(
  sodium: SodiumApi,
  derive: ShortCodeDerive,
  input: { readonly code: ShortCode; readonly birthDate: string | null; readonly params: ShortCodeParams; readonly clinicId: string; readonly challenge: Uint8Array },
): Promise<{ signature: Uint8Array; open: (bundle: ShortCodeBundle) => string }> {
  const keys = await deriveKeys(sodium, derive, input.code, input.birthDate, input.params);
  const signature = sodium.crypto_sign_detached(shortCodeProofInput(input.clinicId, input.code.lookupId, input.challenge), keys.proof.privateKey);
  keys.proof.privateKey.fill(0);
  return {
    signature,
    open(bundle) {
      try {
        const plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, decodeChecked(bundle.ciphertext), headerOf(bundle), decodeChecked(bundle.nonce), keys.boxKey);
        // The sealed text is ASCII JSON (a long code is base32 and dashes); anything else is refused.
        if (plain.some((b) => b > 0x7e || b < 0x20)) throw new Error('not ASCII');
        return sealedPlainSchema.parse(JSON.parse(String.fromCharCode(...plain))).code;
      } catch {
        throw new ShortCodeError('typo', 'The clinic’s server answered with a bundle this code does not open.');
      } finally {
        keys.boxKey.fill(0);
      }
    },
  };
}

/** Anything that sends the relay's frames: the desktop's connection, the portal's socket. */
export type ShortCodeRequester = {
  request(type: 'code.challenge', body: { lookupId: string }): Promise<{ challengeId: string; challenge: string; params: ShortCodeParams }>;
  request(type: 'code.open', body: { lookupId: string; challengeId: string; signature: string }): Promise<{ bundle: ShortCodeBundle }>;
};

/**
 * The redeeming side's whole exchange: a challenge, Argon2id with the code's parameters, a
 * signed proof, and the long code out of the bundle. The relay's refusals (wrong code or
 * birth date, refused, expired, used) come out as the requester's errors.
 */
export async function openShortCode(
  sodium: SodiumApi,
  derive: ShortCodeDerive,
  relay: ShortCodeRequester,
  input: { readonly code: ShortCode; readonly birthDate: string | null; readonly clinicId: string },
): Promise<string> {
  const { challengeId, challenge, params } = await relay.request('code.challenge', { lookupId: input.code.lookupId });
  const proof = await proveShortCode(sodium, derive, { code: input.code, birthDate: input.birthDate, params, clinicId: input.clinicId, challenge: decodeChecked(challenge) });
  const { bundle } = await relay.request('code.open', { lookupId: input.code.lookupId, challengeId, signature: toBase64(proof.signature) });
  if (bundle.lookupId !== input.code.lookupId || bundle.kind !== input.code.kind) throw new ShortCodeError('typo', 'The clinic’s server answered with another code’s bundle.');
  return proof.open(bundle);
}
