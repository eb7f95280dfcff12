// Runs anywhere: strict base64 (RFC 4648 §4, padded) and base32 (§6, unpadded) without
// Buffer, atob or TextEncoder, none of which the shared zone may assume.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63] as string;
    out += B64[(n >> 12) & 63] as string;
    out += b === undefined ? '=' : (B64[(n >> 6) & 63] as string);
    out += c === undefined ? '=' : (B64[n & 63] as string);
  }
  return out;
}

/**
 * Decodes canonical padded base64 only: the standard alphabet, correct padding and zero
 * unused bits, so each byte string has exactly one accepted text. Returns null otherwise.
 */
export function fromBase64(text: string): Uint8Array | null {
  if (!B64_SHAPE.test(text)) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j += 1) {
      const ch = text[i + j] as string;
      n = (n << 6) | (ch === '=' ? 0 : B64.indexOf(ch));
    }
    const bytes = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    const keep = i + 4 === text.length ? 3 - padding : 3;
    // Non-canonical: bits the padding hides must be zero.
    if (bytes.slice(keep).some((b) => b !== 0)) return null;
    for (let k = 0; k < keep; k += 1) out[at++] = bytes[k] as number;
  }
  return out;
}

/** RFC 4648 base32, upper case, no padding. */
export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(buffer >> (bits - 5)) & 31] as string;
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(buffer << (5 - bits)) & 31] as string;
  return out;
}

/** Constant-time equality of two byte strings (time depends only on the lengths). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
