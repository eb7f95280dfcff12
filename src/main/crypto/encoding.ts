// Tagged string types, so a base64 value and any other string cannot be mixed up.
export type Base64 = string & { readonly __encoding: 'base64' };

export const toBase64 = (bytes: Uint8Array): Base64 => Buffer.from(bytes).toString('base64') as Base64;

/** Decodes strict base64 of an expected length; returns null for anything else. */
export function fromBase64(text: string, expectedLength?: number): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (expectedLength !== undefined && bytes.length !== expectedLength) return null;
  return bytes;
}
