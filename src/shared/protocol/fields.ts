// Runs anywhere: field schemas shared by the protocol documents.
import { z } from 'zod';

import { fromBase64 } from './encoding';

/** Opaque identifiers: devices, staff, patients, conversations, messages, clinics. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Milliseconds since the Unix epoch. */
export const timestampSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Canonical padded base64 that decodes to exactly `length` bytes. */
export function base64BytesSchema(length: number) {
  const textLength = Math.ceil(length / 3) * 4;
  return z
    .string()
    .length(textLength)
    .refine((text) => fromBase64(text)?.length === length, { message: `must be base64 of ${length} bytes` });
}

/** Decodes a string a schema has already checked; throws only if that contract is broken. */
export function decodeChecked(text: string): Uint8Array {
  const bytes = fromBase64(text);
  if (!bytes) throw new TypeError('Unchecked base64 reached decodeChecked.');
  return bytes;
}
