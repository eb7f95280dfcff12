// Runs anywhere: one-time codes (ADR 10). A staff invite code and a patient enrollment code
// have the same shape:
//   kind (1 byte) ‖ id (10) ‖ secret (16) ‖ clinic fingerprint prefix (16) ‖ check (2)
// written in base32, in dash-separated groups of four. The secret never reaches the relay:
// both sides derive an Ed25519 key pair from it, the issuer publishes only the public key,
// and the redeemer proves it holds the code by signing with the private key. The fingerprint
// prefix lets the redeeming client check it reached the clinic whose receipt it holds.
import { bytesEqual, toBase32 } from './encoding';
import { ProtocolError } from './errors';
import { signingKeysFromSeed } from './keys';
import { utf8Encode, concatBytes } from './canonical';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

export type CodeKind = 'invite' | 'enrollment';
const KIND_BYTE: Record<CodeKind, number> = { invite: 0x49, enrollment: 0x45 };
const ID_BYTES = 10;
const SECRET_BYTES = 16;
const FINGERPRINT_PREFIX_BYTES = 16;
const CHECK_BYTES = 2;
const CODE_BYTES = 1 + ID_BYTES + SECRET_BYTES + FINGERPRINT_PREFIX_BYTES + CHECK_BYTES;

export type CodeErrorCode = 'malformed' | 'typo' | 'wrong-kind' | 'wrong-clinic';
export class CodeError extends ProtocolError<CodeErrorCode> {}

export type OneTimeCode = {
  readonly kind: CodeKind;
  /** The invite or enrollment id: base32 of 10 random bytes (16 characters). */
  readonly id: string;
  readonly secret: Uint8Array;
  readonly fingerprintPrefix: Uint8Array;
};

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function fromBase32(text: string): Uint8Array | null {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    const value = B32.indexOf(ch);
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

function checkOf(sodium: SodiumApi, body: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(16, body, null).slice(0, CHECK_BYTES);
}

/** A fresh code for `kind`, bound to the clinic root fingerprint (32 bytes). */
export function createCode(sodium: SodiumApi, kind: CodeKind, rootFingerprint: Uint8Array): OneTimeCode {
  return {
    kind,
    id: toBase32(sodium.randombytes_buf(ID_BYTES)),
    secret: sodium.randombytes_buf(SECRET_BYTES),
    fingerprintPrefix: rootFingerprint.slice(0, FINGERPRINT_PREFIX_BYTES),
  };
}

/** The code as people see it: `XXXX-XXXX-…` (18 groups). */
export function formatCode(sodium: SodiumApi, code: OneTimeCode): string {
  const id = fromBase32(code.id);
  if (!id || id.length !== ID_BYTES) throw new CodeError('malformed', 'The code id is not valid.');
  const body = concatBytes(Uint8Array.of(KIND_BYTE[code.kind]), id, code.secret, code.fingerprintPrefix);
  const text = toBase32(concatBytes(body, checkOf(sodium, body)));
  return (text.match(/.{1,4}/g) ?? []).join('-');
}

/**
 * Reads a code typed or scanned by a person: case, spaces and dashes do not matter. Throws
 * CodeError: 'malformed' (not a code at all),
 * 'typo' (the check does not match), 'wrong-kind' (an invite where an enrollment code was
 * expected, or the reverse).
 */
export function parseCode(sodium: SodiumApi, text: string, expected: CodeKind): OneTimeCode {
  const compact = text.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== Math.ceil((CODE_BYTES * 8) / 5)) throw new CodeError('malformed', 'This is not a complete code.');
  const bytes = fromBase32(compact);
  if (!bytes || bytes.length !== CODE_BYTES) throw new CodeError('malformed', 'The code holds characters that cannot appear in a code.');
  const body = bytes.slice(0, CODE_BYTES - CHECK_BYTES);
  if (!bytesEqual(checkOf(sodium, body), bytes.slice(CODE_BYTES - CHECK_BYTES))) throw new CodeError('typo', 'The code has a typing mistake.');
  const kind = body[0] === KIND_BYTE.invite ? 'invite' : body[0] === KIND_BYTE.enrollment ? 'enrollment' : null;
  if (kind === null) throw new CodeError('malformed', 'This is not a code this app issues.');
  if (kind !== expected) throw new CodeError('wrong-kind', `This is ${kind === 'invite' ? 'a staff invite' : 'a patient enrollment'} code.`);
  let at = 1;
  const id = toBase32(body.slice(at, (at += ID_BYTES)));
  const secret = body.slice(at, (at += SECRET_BYTES));
  const fingerprintPrefix = body.slice(at, (at += FINGERPRINT_PREFIX_BYTES));
  return { kind, id, secret, fingerprintPrefix };
}

/** Throws CodeError 'wrong-clinic' unless the code names the clinic with this root fingerprint. */
export function checkCodeClinic(code: OneTimeCode, rootFingerprint: Uint8Array): void {
  if (!bytesEqual(code.fingerprintPrefix, rootFingerprint.slice(0, FINGERPRINT_PREFIX_BYTES))) {
    throw new CodeError('wrong-clinic', 'This code belongs to another clinic, or this is not the clinic’s real server.');
  }
}

/** The Ed25519 key pair both sides derive from a code: its public half is the invite or enrollment key. */
export function codeKeys(sodium: SodiumApi, code: OneTimeCode): SodiumKeyPair {
  const seed = sodium.crypto_generichash(32, concatBytes(utf8Encode(`clinic-messenger/${code.kind}-key/v1`), Uint8Array.of(0), utf8Encode(code.id)), code.secret);
  try {
    return signingKeysFromSeed(sodium, seed);
  } finally {
    seed.fill(0);
  }
}
