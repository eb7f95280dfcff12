// Runs anywhere: strict base64 (RFC 4648 §4, padded) and base32 (§6, unpadded) without
// Buffer, atob or TextEncoder, none of which the shared zone may assume (a TextDecoder is
// used when the host has one, only to make a string of ASCII codes faster).

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// Lookup tables: a file's chunks (ADR 19) are 128 KiB each, so these run over megabytes.
const ENCODE = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i += 1) DECODE[B64.charCodeAt(i)] = i;
/** Characters turned into a string at a time (below every engine's argument limit). */
const SLICE = 0x2000;

// Where the host has a TextDecoder (browsers, Node), ASCII codes become a string in one call;
// elsewhere, slice by slice. Both give the same string: every code is below 128.
type Decoder = { decode(bytes: Uint8Array): string };
const HostDecoder = (globalThis as { TextDecoder?: new (label: string) => Decoder }).TextDecoder;
const ascii: Decoder | null = HostDecoder ? new HostDecoder('utf-8') : null;

function asciiString(codes: Uint8Array): string {
  if (ascii) return ascii.decode(codes);
  let out = '';
  for (let i = 0; i < codes.length; i += SLICE) out += String.fromCharCode.apply(null, codes.subarray(i, i + SLICE) as unknown as number[]);
  return out;
}

// Where the host is Node, its native base64 does the work: the same canonical text, checked
// the same way (a text is accepted only if encoding its bytes gives it back exactly).
type HostBytes = Uint8Array & { toString(encoding: 'base64'): string };
type HostBufferApi = { from(data: ArrayBufferLike | string, offsetOrEncoding?: number | 'base64', length?: number): HostBytes };
const HostBuffer = (globalThis as { Buffer?: HostBufferApi }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  return HostBuffer ? HostBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : portableToBase64(bytes);
}

/** Canonical base64 without any host help (what a browser runs); exported for its tests. */
export function portableToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  const whole = bytes.length - (bytes.length % 3);
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = ENCODE[(n >> 18) & 63] as number;
    out[o++] = ENCODE[(n >> 12) & 63] as number;
    out[o++] = ENCODE[(n >> 6) & 63] as number;
    out[o++] = ENCODE[n & 63] as number;
  }
  const rest = bytes.length - whole;
  if (rest > 0) {
    const a = bytes[whole] as number;
    const b = rest === 2 ? (bytes[whole + 1] as number) : 0;
    const n = (a << 16) | (b << 8);
    out[o++] = ENCODE[(n >> 18) & 63] as number;
    out[o++] = ENCODE[(n >> 12) & 63] as number;
    out[o++] = rest === 2 ? (ENCODE[(n >> 6) & 63] as number) : 61;
    out[o++] = 61; // '='
  }
  return asciiString(out);
}

/**
 * Decodes canonical padded base64 only: the standard alphabet, correct padding and zero
 * unused bits, so each byte string has exactly one accepted text. Returns null otherwise.
 */
export function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  if (!HostBuffer) return portableFromBase64(text);
  const decoded = HostBuffer.from(text, 'base64');
  return decoded.toString('base64') === text ? new Uint8Array(decoded) : null;
}

/** The strict decoder without any host help (what a browser runs); exported for its tests. */
export function portableFromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const full = padding > 0 ? text.length - 4 : text.length;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = DECODE[text.charCodeAt(i)] ?? -1;
    const b = DECODE[text.charCodeAt(i + 1)] ?? -1;
    const c = DECODE[text.charCodeAt(i + 2)] ?? -1;
    const d = DECODE[text.charCodeAt(i + 3)] ?? -1;
    if ((a | b | c | d) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = (n >> 16) & 255;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (padding > 0) {
    const a = DECODE[text.charCodeAt(full)] ?? -1;
    const b = DECODE[text.charCodeAt(full + 1)] ?? -1;
    const c = padding === 1 ? (DECODE[text.charCodeAt(full + 2)] ?? -1) : 0;
    if ((a | b | c) < 0 || (padding === 2 && text.charCodeAt(full + 2) !== 61)) return null;
    const n = (a << 18) | (b << 12) | (c << 6);
    // Non-canonical: bits the padding hides must be zero.
    if (padding === 2 ? (n & 0xffff) !== 0 : (n & 0xff) !== 0) return null;
    out[o++] = (n >> 16) & 255;
    if (padding === 1) out[o++] = (n >> 8) & 255;
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
