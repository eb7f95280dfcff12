// Runs anywhere: attachments (ADR 19). A file is encrypted on the sending device with
// crypto_secretstream_xchacha20poly1305 under a fresh key, in chunks of 176 KiB, each
// chunk's additional data naming the blob id. The relay stores the chunks under the blob id
// and sees nothing else. The key, the stream header, the name, the type, the size and the
// SHA-256 of the plaintext travel inside the message's encrypted body (message-body.ts), and
// the recipient opens the chunks in order: a changed, dropped, reordered, swapped or
// appended chunk, a stream cut short, or bytes whose hash differs are all refused.
import { z } from 'zod';

import { utf8Encode } from './canonical';
import { fromBase64, toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { base64BytesSchema } from './fields';
import { type SodiumApi } from './sodium-api';

/**
 * Plaintext per chunk: 176 KiB. A sealed chunk is 17 bytes more, and in base64 (240,324
 * characters) it still fits one 256 KiB frame with its JSON around it.
 */
export const ATTACHMENT_CHUNK_BYTES = 176 * 1024;
/** Bytes secretstream adds to each chunk (crypto_secretstream_xchacha20poly1305_ABYTES). */
export const CHUNK_OVERHEAD_BYTES = 17;
export const SEALED_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + CHUNK_OVERHEAD_BYTES;
/** The hard ceiling whatever the policy says: 32 MiB. */
export const MAX_ATTACHMENT_BYTES = 32 * 1024 * 1024;
export const MAX_ATTACHMENT_CHUNKS = Math.ceil(MAX_ATTACHMENT_BYTES / ATTACHMENT_CHUNK_BYTES);
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
export const STREAM_HEADER_BYTES = 24;

export const attachmentTypes = ['image/jpeg', 'image/png', 'image/heic', 'application/pdf'] as const;
export type AttachmentType = (typeof attachmentTypes)[number];
export const attachmentTypeSchema = z.enum(attachmentTypes);

/** A blob id: `b` and 22 to 63 URL-safe characters, random. */
export const blobIdSchema = z.string().regex(/^b[A-Za-z0-9_-]{22,63}$/);

/** What the message body says about one file; only the two ends ever read it. */
export const attachmentSchema = z.strictObject({
  blobId: blobIdSchema,
  name: z.string().min(1).max(255),
  type: attachmentTypeSchema,
  size: z.number().int().min(1).max(MAX_ATTACHMENT_BYTES),
  chunks: z.number().int().min(1).max(MAX_ATTACHMENT_CHUNKS),
  sha256: base64BytesSchema(32),
  key: base64BytesSchema(32),
  header: base64BytesSchema(STREAM_HEADER_BYTES),
});
export type AttachmentRef = z.infer<typeof attachmentSchema>;

export type AttachmentErrorCode = 'unverified' | 'bad-input';
export class AttachmentError extends ProtocolError<AttachmentErrorCode> {}

/** The number of chunks a file of `size` bytes is cut into. */
export const chunkCount = (size: number): number => Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK_BYTES));

const additionalData = (blobId: string): Uint8Array => utf8Encode(`clinic-messenger/attachment/v1\u0000${blobId}`);

// libsodium-wrappers-sumo's streaming calls: their state is an opaque handle.
type StreamState = unknown;
type StreamApi = {
  crypto_secretstream_xchacha20poly1305_init_push(key: Uint8Array): { state: StreamState; header: Uint8Array };
  crypto_secretstream_xchacha20poly1305_push(state: StreamState, message: Uint8Array, ad: Uint8Array | null, tag: number): Uint8Array;
  crypto_secretstream_xchacha20poly1305_init_pull(header: Uint8Array, key: Uint8Array): StreamState;
  crypto_secretstream_xchacha20poly1305_pull(state: StreamState, cipher: Uint8Array, ad: Uint8Array | null): { message: Uint8Array; tag: number } | false;
  crypto_hash_sha256_init(): StreamState;
  crypto_hash_sha256_update(state: StreamState, message: Uint8Array): void;
  crypto_hash_sha256_final(state: StreamState): Uint8Array;
  readonly crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: number;
  readonly crypto_secretstream_xchacha20poly1305_TAG_FINAL: number;
};
const stream = (sodium: SodiumApi): StreamApi => sodium as unknown as StreamApi;

export type ChunkSealer = {
  readonly blobId: string;
  /** Seals the next chunk (at most ATTACHMENT_CHUNK_BYTES); `last` for the final one only. */
  seal(plain: Uint8Array, last: boolean): Uint8Array;
  /** After the last chunk: the reference the message body carries. */
  finish(name: string, type: AttachmentType): AttachmentRef;
};

/** Starts encrypting one file under a fresh key. */
export function createChunkSealer(sodium: SodiumApi, blobId: string): ChunkSealer {
  const s = stream(sodium);
  const key = sodium.randombytes_buf(32);
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(key);
  const hash = s.crypto_hash_sha256_init();
  const ad = additionalData(blobId);
  let chunks = 0;
  let size = 0;
  let done = false;
  return {
    blobId,
    seal(plain, last) {
      if (done) throw new AttachmentError('bad-input', 'This file is already sealed.');
      if (plain.length > ATTACHMENT_CHUNK_BYTES) throw new AttachmentError('bad-input', 'A chunk is over 176 KiB.');
      if (plain.length === 0 && !(last && chunks === 0)) throw new AttachmentError('bad-input', 'Only an empty file has an empty chunk.');
      s.crypto_hash_sha256_update(hash, plain);
      chunks += 1;
      size += plain.length;
      done = last;
      const tag = last ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
      return s.crypto_secretstream_xchacha20poly1305_push(state, plain, ad, tag);
    },
    finish(name, type) {
      if (!done) throw new AttachmentError('bad-input', 'The last chunk has not been sealed.');
      if (size === 0) throw new AttachmentError('bad-input', 'The file is empty.');
      const ref = { blobId, name, type, size, chunks, sha256: toBase64(s.crypto_hash_sha256_final(hash)), key: toBase64(key), header: toBase64(header) };
      key.fill(0);
      return attachmentSchema.parse(ref);
    },
  };
}

export type ChunkOpener = {
  /** Opens chunk `index` (they must come in order, from 0); throws AttachmentError('unverified'). */
  open(sealed: Uint8Array, index: number): Uint8Array;
  /** After the last chunk: throws unless the stream ended, and the size and SHA-256 match. */
  finish(): void;
};

export function createChunkOpener(sodium: SodiumApi, ref: AttachmentRef): ChunkOpener {
  const s = stream(sodium);
  const unverified = (): never => {
    throw new AttachmentError('unverified', 'The attachment could not be verified.');
  };
  const key = fromBase64(ref.key) ?? unverified();
  const header = fromBase64(ref.header) ?? unverified();
  let state: StreamState;
  try {
    state = s.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
  } catch {
    return unverified();
  }
  const hash = s.crypto_hash_sha256_init();
  const ad = additionalData(ref.blobId);
  let next = 0;
  let size = 0;
  let ended = false;
  return {
    open(sealed, index) {
      if (ended || index !== next || index >= ref.chunks) unverified();
      let opened: { message: Uint8Array; tag: number } | false;
      try {
        opened = s.crypto_secretstream_xchacha20poly1305_pull(state, sealed, ad);
      } catch {
        opened = false;
      }
      if (!opened) return unverified();
      const last = opened.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
      if (!last && opened.tag !== s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) unverified();
      // The final tag must be on the chunk the reference says is the last, and only there.
      if (last !== (index === ref.chunks - 1)) unverified();
      next += 1;
      size += opened.message.length;
      ended = last;
      if (size > ref.size) unverified();
      s.crypto_hash_sha256_update(hash, opened.message);
      return opened.message;
    },
    finish() {
      if (!ended || size !== ref.size) unverified();
      const digest = toBase64(s.crypto_hash_sha256_final(hash));
      if (digest !== ref.sha256) unverified();
    },
  };
}

/**
 * Whether a message's body describes exactly the blobs its signed header names: when not,
 * its files are kept as unverified and never offered.
 */
export function filesMatchHeader(headerBlobs: readonly string[] | undefined, files: readonly AttachmentRef[]): boolean {
  const named = headerBlobs ?? [];
  return files.length === named.length && files.every((f) => named.includes(f.blobId));
}

/** Opens every chunk of a file held in memory (tests, small files). */
export function openAll(sodium: SodiumApi, ref: AttachmentRef, sealed: readonly Uint8Array[]): Uint8Array {
  if (sealed.length !== ref.chunks) throw new AttachmentError('unverified', 'The attachment could not be verified.');
  const opener = createChunkOpener(sodium, ref);
  const out = new Uint8Array(ref.size);
  let at = 0;
  sealed.forEach((chunk, index) => {
    const plain = opener.open(chunk, index);
    out.set(plain, at);
    at += plain.length;
  });
  opener.finish();
  return out;
}

/** Seals a file held in memory: its chunks, and its reference. */
export function sealAll(sodium: SodiumApi, blobId: string, bytes: Uint8Array, name: string, type: AttachmentType): { ref: AttachmentRef; chunks: Uint8Array[] } {
  const sealer = createChunkSealer(sodium, blobId);
  const chunks: Uint8Array[] = [];
  const count = chunkCount(bytes.length);
  for (let i = 0; i < count; i += 1) {
    chunks.push(sealer.seal(bytes.subarray(i * ATTACHMENT_CHUNK_BYTES, Math.min(bytes.length, (i + 1) * ATTACHMENT_CHUNK_BYTES)), i === count - 1));
  }
  return { ref: sealer.finish(name, type), chunks };
}

// ---------------------------------------------------------------------------------------
// What a file is, from its bytes (never its name), and a name that is safe to show and save.

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean => prefix.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/** The type the bytes show, or null for anything else. */
export function sniffType(bytes: Uint8Array): AttachmentType | null {
  if (bytes.length >= 3 && startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (bytes.length >= 8 && startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (bytes.length >= 5 && ascii(bytes, 0, 5) === '%PDF-') return 'application/pdf';
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp' && HEIC_BRANDS.has(ascii(bytes, 8, 12))) return 'image/heic';
  return null;
}

const EXTENSION: Record<AttachmentType, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/heic': '.heic', 'application/pdf': '.pdf' };
const KNOWN_EXTENSION: Record<AttachmentType, readonly string[]> = {
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/png': ['.png'],
  'image/heic': ['.heic', '.heif'],
  'application/pdf': ['.pdf'],
};
export const MAX_FILE_NAME_CHARS = 100;

/**
 * A name that is safe to show and to save: no folders, no control or direction-changing
 * characters, none that a file system forbids, at most 100 characters, never a reserved
 * device name, and the extension of the type the bytes showed.
 */
export function cleanFileName(name: string, type: AttachmentType): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let clean = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+|[.\s]+$/g, '');
  const lower = clean.toLowerCase();
  const own = KNOWN_EXTENSION[type].find((ext) => lower.endsWith(ext));
  let stem = own ? clean.slice(0, clean.length - own.length) : clean;
  const ext = own ? clean.slice(clean.length - own.length) : EXTENSION[type];
  stem = stem.replace(/[.\s]+$/g, '');
  if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i.test(stem)) stem = `_${stem}`;
  if (!stem) stem = type === 'application/pdf' ? 'document' : 'photo';
  stem = Array.from(stem).slice(0, MAX_FILE_NAME_CHARS - ext.length).join('');
  clean = `${stem}${ext}`;
  return clean;
}

// ---------------------------------------------------------------------------------------
// The limits the clinic's signed rules set (clinic-rules.ts `attachments`).

export type AttachmentRules = { readonly types: readonly AttachmentType[]; readonly maxMegabytes: number; readonly perMessage: number };
export const defaultAttachmentRules: AttachmentRules = { types: [...attachmentTypes], maxMegabytes: 10, perMessage: 3 };

export type FileProblem = 'empty' | 'too-big' | 'wrong-type' | 'too-many';

/** Why a file may not be attached under these rules, or null. */
export function fileProblem(rules: AttachmentRules, file: { readonly type: AttachmentType | null; readonly size: number }, alreadyAttached: number): FileProblem | null {
  if (alreadyAttached >= rules.perMessage) return 'too-many';
  if (file.size === 0) return 'empty';
  if (file.type === null || !rules.types.includes(file.type)) return 'wrong-type';
  if (file.size > maxBytes(rules)) return 'too-big';
  return null;
}

export const maxBytes = (rules: AttachmentRules): number => Math.min(MAX_ATTACHMENT_BYTES, rules.maxMegabytes * 1024 * 1024);
/** The most sealed bytes a file under these rules can take at the relay. */
export const maxSealedBytes = (rules: AttachmentRules): number => maxBytes(rules) + chunkCount(maxBytes(rules)) * CHUNK_OVERHEAD_BYTES;
