// Runs anywhere: one way to sign and verify a protocol document (ADR 10). A signed document
// travels as `{ document, signature }`; the signature covers
//   prefix ‖ 0 ‖ canonical(document)
// so a signature made for one kind of document can never be replayed as another.
import { z } from 'zod';

import { signingInput } from './canonical';
import { toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { base64BytesSchema, decodeChecked } from './fields';
import { type SodiumApi } from './sodium-api';

export type DocumentErrorCode = 'malformed' | 'bad-signature';

/** A signed document that cannot be used: its shape, or its signature. */
export class DocumentError extends ProtocolError<DocumentErrorCode> {}

export type Signed<T> = { readonly document: T; readonly signature: string };

export function signedSchema<S extends z.ZodType>(document: S) {
  return z.strictObject({ document, signature: base64BytesSchema(64) });
}

/** Validates `value` against `schema` and signs it. Throws DocumentError for invalid input. */
export function signDocument<S extends z.ZodType>(
  sodium: SodiumApi,
  prefix: string,
  schema: S,
  value: z.input<S>,
  secretKey: Uint8Array,
): Signed<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DocumentError('malformed', `Cannot sign an invalid document (${prefix}): ${parsed.error.issues[0]?.message ?? ''}`);
  const signature = sodium.crypto_sign_detached(signingInput(prefix, parsed.data), secretKey);
  return { document: parsed.data, signature: toBase64(signature) };
}

/** Parses an untrusted `{ document, signature }` without checking the signature. Throws DocumentError. */
export function parseSigned<S extends z.ZodType>(schema: S, input: unknown): Signed<z.output<S>> {
  let parsed;
  try {
    parsed = signedSchema(schema).safeParse(input);
  } catch {
    throw new DocumentError('malformed', 'The document could not be read.');
  }
  if (!parsed.success) throw new DocumentError('malformed', 'The document does not match its schema.');
  return parsed.data as Signed<z.output<S>>;
}

/** True when `signed` carries a valid signature by `publicKey` under `prefix`. Never throws. */
export function hasValidSignature(sodium: SodiumApi, prefix: string, signed: Signed<unknown>, publicKey: Uint8Array): boolean {
  try {
    return sodium.crypto_sign_verify_detached(decodeChecked(signed.signature), signingInput(prefix, signed.document), publicKey);
  } catch {
    return false;
  }
}

/** parseSigned, then the signature by `publicKey`. Throws only DocumentError. */
export function verifySigned<S extends z.ZodType>(sodium: SodiumApi, prefix: string, schema: S, input: unknown, publicKey: Uint8Array): z.output<S> {
  const signed = parseSigned(schema, input);
  if (!hasValidSignature(sodium, prefix, signed, publicKey)) throw new DocumentError('bad-signature', 'The document is not signed by the expected key.');
  return signed.document;
}
