// Runs in main (Node): the on-disk format of an encrypted blob, independent of files.
//
//   "CMBLOB" | version (1 byte) | secretstream header (24 bytes) | chunk | chunk | ...
//
// Each chunk is libsodium crypto_secretstream_xchacha20poly1305 over up to 64 KiB of
// plaintext (+17 bytes), the last one tagged FINAL. Every chunk's additional data is the
// 7-byte prefix and the blob id, so a file renamed to another id, a changed version byte,
// a changed, dropped, reordered or appended chunk, and a cut-off end all fail to open.
import type { Sodium } from '../crypto/sodium';
import { BlobDamagedError } from './errors';

export const blobMagic = new TextEncoder().encode('CMBLOB');
export const blobFormatVersion = 1;
export const blobChunkBytes = 64 * 1024;
const prefixBytes = blobMagic.length + 1;

export type BlobLayout = {
  /** Bytes before the first chunk. */
  readonly headerBytes: number;
  /** Size on disk of every chunk but the last. */
  readonly sealedChunkBytes: number;
};

export function blobLayout(sodium: Sodium): BlobLayout {
  return {
    headerBytes: prefixBytes + sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES,
    sealedChunkBytes: blobChunkBytes + sodium.crypto_secretstream_xchacha20poly1305_ABYTES,
  };
}

/** The plaintext size of a well-formed blob file of `fileBytes`, for progress reports. */
export function plaintextSize(layout: BlobLayout, abytes: number, fileBytes: number): number {
  const body = Math.max(0, fileBytes - layout.headerBytes);
  const chunks = Math.max(1, Math.ceil(body / layout.sealedChunkBytes));
  return Math.max(0, body - chunks * abytes);
}

function additionalData(id: string): Uint8Array {
  const idBytes = new TextEncoder().encode(id);
  const ad = new Uint8Array(prefixBytes + idBytes.length);
  ad.set(blobMagic, 0);
  ad[blobMagic.length] = blobFormatVersion;
  ad.set(idBytes, prefixBytes);
  return ad;
}

export type BlobSealer = {
  /** Write this first. */
  readonly header: Uint8Array;
  /** Seals one chunk of at most `blobChunkBytes`; `final` must be true for the last one only. */
  seal(chunk: Uint8Array, final: boolean): Uint8Array;
};

export function createBlobSealer(sodium: Sodium, key: Uint8Array, id: string): BlobSealer {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const ad = additionalData(id);
  const out = new Uint8Array(prefixBytes + header.length);
  out.set(blobMagic, 0);
  out[blobMagic.length] = blobFormatVersion;
  out.set(header, prefixBytes);
  let finished = false;
  return {
    header: out,
    seal(chunk, final) {
      if (finished) throw new Error('This blob is already sealed.');
      if (chunk.length > blobChunkBytes) throw new RangeError('A blob chunk holds at most 64 KiB.');
      finished = final;
      const tag = final
        ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
      return sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, ad, tag);
    },
  };
}

export type BlobOpener = {
  /** Opens the next sealed chunk; throws BlobDamagedError if it was changed, moved or belongs elsewhere. */
  open(sealed: Uint8Array): { readonly plain: Uint8Array; readonly final: boolean };
};

/** Checks the prefix and starts reading; `header` is the first `headerBytes` of the file. */
export function createBlobOpener(sodium: Sodium, key: Uint8Array, id: string, header: Uint8Array): BlobOpener {
  const layout = blobLayout(sodium);
  if (header.length !== layout.headerBytes) throw new BlobDamagedError('truncated');
  if (!blobMagic.every((byte, i) => header[i] === byte) || header[blobMagic.length] !== blobFormatVersion) {
    throw new BlobDamagedError('format');
  }
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.subarray(prefixBytes), key);
  const ad = additionalData(id);
  let finished = false;
  return {
    open(sealed) {
      if (finished) throw new BlobDamagedError('trailing-data');
      let opened: { message: Uint8Array; tag: number } | false;
      try {
        // The wrapper answers `false` when authentication fails, and throws on a chunk too short to hold a tag.
        opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, ad) as { message: Uint8Array; tag: number } | false;
      } catch {
        opened = false;
      }
      if (!opened) throw new BlobDamagedError('authentication');
      if (opened.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL) finished = true;
      else if (opened.tag !== sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) throw new BlobDamagedError('format');
      return { plain: opened.message, final: finished };
    },
  };
}
