// Runs anywhere: envelope v1 (ADR 10). One random content key per message encrypts the body
// with XChaCha20-Poly1305 (associated data: the canonical header); the content key is sealed
// to every recipient's X25519 key; the sender's Ed25519 key signs
//   "clinic-messenger/envelope/v1" ‖ 0 ‖ canonical(header) ‖ ciphertext.
import { z } from 'zod';

import { MAX_ATTACHMENTS_PER_MESSAGE, blobIdSchema } from './attachments';
import { canonicalBytes, signingInput } from './canonical';
import { fromBase64, toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { idSchema, timestampSchema } from './fields';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

export const ENVELOPE_PREFIX = 'clinic-messenger/envelope/v1';

/** Sizes fixed by the v1 primitives; parseEnvelope checks them without needing libsodium. */
export const NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
export const CONTENT_KEY_BYTES = 32; // crypto_aead_xchacha20poly1305_ietf_KEYBYTES
export const TAG_BYTES = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES
export const SEALED_KEY_BYTES = CONTENT_KEY_BYTES + 48; // + crypto_box_SEALBYTES
export const SIGNATURE_BYTES = 64; // crypto_sign_BYTES
export const BOX_PUBLIC_KEY_BYTES = 32;

/** Limits that keep an envelope well inside one 256 KiB frame. */
export const MAX_BODY_BYTES = 160 * 1024;
export const MAX_RECIPIENTS = 64;
const MAX_CIPHERTEXT_BASE64 = Math.ceil((MAX_BODY_BYTES + TAG_BYTES) / 3) * 4;

const b64Len = (bytes: number): number => Math.ceil(bytes / 3) * 4;

export type EnvelopeErrorCode =
  | 'malformed' // not an envelope: wrong shape, unknown or missing fields, bad ids
  | 'unsupported-version' // header.v is not 1
  | 'too-large' // body or recipient list over the limits
  | 'bad-base64' // a binary field is not canonical padded base64
  | 'bad-length' // a binary field decodes to the wrong number of bytes
  | 'bad-signature' // the sender's signature does not cover this header and ciphertext
  | 'not-a-recipient' // the envelope holds no key for this recipient
  | 'bad-key' // this recipient's sealed key does not open with the given key pair
  | 'decrypt-failed'; // the body does not authenticate under the content key and header

export class EnvelopeError extends ProtocolError<EnvelopeErrorCode> {}

const recipientIdSchema = z.string().regex(/^(?:[A-Za-z0-9_-]{1,64}|records:(?:0|[1-9][0-9]{0,14}))$/);

const wireRecipientSchema = z.strictObject({
  to: recipientIdSchema,
  key: z.string().max(b64Len(SEALED_KEY_BYTES) * 2),
});

export const envelopeHeaderSchema = z.strictObject({
  v: z.literal(1),
  messageId: idSchema,
  conversationId: idSchema,
  patientId: idSchema,
  senderDeviceId: idSchema,
  sentAt: timestampSchema,
  scope: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  recordsEpoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  nonce: z.string().max(b64Len(NONCE_BYTES) * 2),
  recipients: z.array(wireRecipientSchema).min(1).max(MAX_RECIPIENTS),
  /**
   * The blobs (ADR 19) this message's attachments are stored under at the relay: ids only,
   * so the relay can check them, keep them with the message and delete them with it.
   */
  blobs: z.array(blobIdSchema).min(1).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
});

export const envelopeSchema = z.strictObject({
  header: envelopeHeaderSchema,
  ciphertext: z.string().max(MAX_CIPHERTEXT_BASE64),
  signature: z.string().max(b64Len(SIGNATURE_BYTES) * 2),
});

export type EnvelopeHeader = z.infer<typeof envelopeHeaderSchema>;
/** An envelope as it travels: JSON, binary fields in base64. */
export type Envelope = z.infer<typeof envelopeSchema>;

/** An envelope that passed parseEnvelope: well-formed, not yet authenticated. */
export interface ParsedEnvelope {
  readonly header: EnvelopeHeader;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
  /** Sealed content key per recipient id (`deviceId` or `records:<epoch>`). */
  readonly sealedKeys: ReadonlyMap<string, Uint8Array>;
}

function decodeField(text: string, what: string, length: (n: number) => boolean): Uint8Array {
  const bytes = fromBase64(text);
  if (!bytes) throw new EnvelopeError('bad-base64', `${what} is not canonical base64.`);
  if (!length(bytes.length)) throw new EnvelopeError('bad-length', `${what} has the wrong length.`);
  return bytes;
}

function recordsEpochOf(to: string): number | null {
  return to.startsWith('records:') ? Number(to.slice('records:'.length)) : null;
}

function checkRecipients(header: EnvelopeHeader): void {
  const seen = new Set<string>();
  for (const { to } of header.recipients) {
    if (seen.has(to)) throw new EnvelopeError('malformed', 'A recipient is listed twice.');
    seen.add(to);
    const epoch = recordsEpochOf(to);
    if (epoch !== null && epoch !== header.recordsEpoch) throw new EnvelopeError('malformed', 'A records recipient names another epoch.');
  }
  if (header.blobs && new Set(header.blobs).size !== header.blobs.length) throw new EnvelopeError('malformed', 'A blob is listed twice.');
}

function parseUnchecked(input: unknown): ParsedEnvelope {
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) {
    const version = z.object({ header: z.object({ v: z.unknown() }) }).safeParse(input);
    if (version.success && version.data.header.v !== 1) throw new EnvelopeError('unsupported-version', 'Only envelope v1 is understood.');
    const tooBig = parsed.error.issues.some((issue) => issue.code === 'too_big');
    throw new EnvelopeError(tooBig ? 'too-large' : 'malformed', tooBig ? 'The envelope is over the size limits.' : 'The envelope does not match the schema.');
  }
  const { header, ciphertext, signature } = parsed.data;
  checkRecipients(header);
  const sealedKeys = new Map<string, Uint8Array>();
  for (const { to, key } of header.recipients) {
    sealedKeys.set(to, decodeField(key, 'A sealed key', (n) => n === SEALED_KEY_BYTES));
  }
  return {
    header,
    nonce: decodeField(header.nonce, 'The nonce', (n) => n === NONCE_BYTES),
    ciphertext: decodeField(ciphertext, 'The ciphertext', (n) => n >= TAG_BYTES && n <= MAX_BODY_BYTES + TAG_BYTES),
    signature: decodeField(signature, 'The signature', (n) => n === SIGNATURE_BYTES),
    sealedKeys,
  };
}

/**
 * Validates untrusted input (e.g. a frame body after JSON.parse) as an envelope v1: strict
 * schema, size limits, canonical base64 and byte lengths. It does not authenticate anything;
 * openEnvelope does. Throws only EnvelopeError.
 */
export function parseEnvelope(input: unknown): ParsedEnvelope {
  try {
    return parseUnchecked(input);
  } catch (error) {
    if (error instanceof EnvelopeError) throw error;
    // Defensive: e.g. a getter on a hand-built object. Never let another error type escape.
    throw new EnvelopeError('malformed', 'The envelope could not be read.');
  }
}

export interface EnvelopeRecipient {
  /** A device id, or `records:<epoch>` for the clinic records key. */
  readonly to: string;
  readonly boxPublicKey: Uint8Array;
}

export interface SealEnvelopeInput {
  readonly messageId: string;
  readonly conversationId: string;
  readonly patientId: string;
  readonly senderDeviceId: string;
  /** Milliseconds since the epoch. */
  readonly sentAt: number;
  readonly scope: string;
  readonly recordsEpoch: number;
  readonly body: Uint8Array;
  readonly recipients: readonly EnvelopeRecipient[];
  /** The relay blob ids of the attachments the body describes. */
  readonly blobs?: readonly string[] | undefined;
  /** The sender device's Ed25519 secret key (64 bytes). */
  readonly senderSigningKey: Uint8Array;
}

/** Encrypts, seals and signs one message. Throws EnvelopeError for invalid input. */
export function sealEnvelope(sodium: SodiumApi, input: SealEnvelopeInput): Envelope {
  if (input.body.length > MAX_BODY_BYTES) throw new EnvelopeError('too-large', 'The body is over the size limit.');
  if (input.recipients.some((r) => r.boxPublicKey.length !== BOX_PUBLIC_KEY_BYTES)) {
    throw new EnvelopeError('bad-length', 'A recipient box key has the wrong length.');
  }
  if (input.senderSigningKey.length !== sodium.crypto_sign_SECRETKEYBYTES) {
    throw new EnvelopeError('bad-length', 'The sender signing key has the wrong length.');
  }
  const contentKey = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  try {
    const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const candidate = {
      v: 1,
      messageId: input.messageId,
      conversationId: input.conversationId,
      patientId: input.patientId,
      senderDeviceId: input.senderDeviceId,
      sentAt: input.sentAt,
      scope: input.scope,
      recordsEpoch: input.recordsEpoch,
      nonce: toBase64(nonce),
      recipients: input.recipients.map((r) => ({ to: r.to, key: toBase64(sodium.crypto_box_seal(contentKey, r.boxPublicKey)) })),
      ...(input.blobs?.length ? { blobs: [...input.blobs] } : {}),
    };
    const parsed = envelopeHeaderSchema.safeParse(candidate);
    if (!parsed.success) {
      const tooBig = parsed.error.issues.some((issue) => issue.code === 'too_big');
      throw new EnvelopeError(tooBig ? 'too-large' : 'malformed', 'The envelope header is invalid.');
    }
    const header = parsed.data;
    checkRecipients(header);
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(input.body, canonicalBytes(header), null, nonce, contentKey);
    const signature = sodium.crypto_sign_detached(signingInput(ENVELOPE_PREFIX, header, ciphertext), input.senderSigningKey);
    return { header, ciphertext: toBase64(ciphertext), signature: toBase64(signature) };
  } finally {
    contentKey.fill(0);
  }
}

export interface OpenEnvelopeOptions {
  /** This reader's recipient id: its device id, or `records:<epoch>`. */
  readonly recipientId: string;
  /** The X25519 key pair that recipient id names. */
  readonly boxKeyPair: SodiumKeyPair;
  /** The sender's Ed25519 public key, from its verified certificate for header.senderDeviceId. */
  readonly senderSigningPublicKey: Uint8Array;
}

export interface OpenedEnvelope {
  readonly header: EnvelopeHeader;
  readonly body: Uint8Array;
}

function openUnchecked(sodium: SodiumApi, envelope: ParsedEnvelope, options: OpenEnvelopeOptions): OpenedEnvelope {
  let headerBytes: Uint8Array;
  let signed: boolean;
  try {
    headerBytes = canonicalBytes(envelope.header);
    signed = sodium.crypto_sign_verify_detached(envelope.signature, signingInput(ENVELOPE_PREFIX, envelope.header, envelope.ciphertext), options.senderSigningPublicKey);
  } catch {
    signed = false;
    headerBytes = new Uint8Array(0);
  }
  if (!signed) throw new EnvelopeError('bad-signature', 'The envelope is not signed by this sender.');

  const sealedKey = envelope.sealedKeys.get(options.recipientId);
  if (!sealedKey) throw new EnvelopeError('not-a-recipient', 'The envelope holds no key for this recipient.');

  let contentKey: Uint8Array;
  try {
    contentKey = sodium.crypto_box_seal_open(sealedKey, options.boxKeyPair.publicKey, options.boxKeyPair.privateKey);
  } catch {
    throw new EnvelopeError('bad-key', 'The sealed key does not open with this key pair.');
  }
  try {
    if (contentKey.length !== CONTENT_KEY_BYTES) throw new EnvelopeError('bad-key', 'The sealed key has the wrong length.');
    let body: Uint8Array;
    try {
      body = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, envelope.ciphertext, headerBytes, envelope.nonce, contentKey);
    } catch {
      throw new EnvelopeError('decrypt-failed', 'The body does not authenticate.');
    }
    return { header: envelope.header, body };
  } finally {
    contentKey.fill(0);
  }
}

/**
 * Authenticates and decrypts a parsed envelope: the sender's signature first, then this
 * recipient's sealed key, then the body (whose associated data is the canonical header).
 * Throws only EnvelopeError.
 */
export function openEnvelope(sodium: SodiumApi, envelope: ParsedEnvelope, options: OpenEnvelopeOptions): OpenedEnvelope {
  try {
    return openUnchecked(sodium, envelope, options);
  } catch (error) {
    if (error instanceof EnvelopeError) throw error;
    throw new EnvelopeError('malformed', 'The envelope could not be opened.');
  }
}
