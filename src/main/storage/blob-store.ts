// Runs in main (Node): encrypted attachments and exports, one file per blob in a folder of
// the profile. The format is in blob-format.ts; this file only moves bytes safely.
import { randomBytes } from 'node:crypto';
import { type FileHandle, chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { loadSodium } from '../crypto/sodium';
import { blobChunkBytes, blobLayout, createBlobOpener, createBlobSealer, plaintextSize } from './blob-format';
import { BlobDamagedError, BlobNotFoundError, InvalidBlobIdError, systemCodeOf } from './errors';

/** 32 lowercase hex characters (128 random bits). */
export type BlobId = string & { readonly __brand: 'BlobId' };
export type BlobProgress = { readonly doneBytes: number; readonly totalBytes: number };

export type BlobStore = {
  readonly dir: string;
  put(data: Uint8Array): Promise<BlobId>;
  /** Throws BlobDamagedError if any byte of the file, or its name, was changed. */
  get(id: string): Promise<Uint8Array>;
  /** Removing a blob that is not there is not an error. */
  remove(id: string): Promise<void>;
  /** Encrypts a file of any size, 64 KiB at a time. */
  putFile(sourcePath: string, onProgress?: (progress: BlobProgress) => void): Promise<BlobId>;
  /** Decrypts to `destPath`; on any failure nothing is left there (it is written aside, then renamed). */
  getToFile(id: string, destPath: string, onProgress?: (progress: BlobProgress) => void): Promise<void>;
};

const blobIdPattern = /^[0-9a-f]{32}$/;

/** The only shape accepted as a blob id; it is a file name, so nothing else may reach the disk. */
export function isBlobId(value: unknown): value is BlobId {
  return typeof value === 'string' && blobIdPattern.test(value);
}

const newBlobId = () => randomBytes(16).toString('hex') as BlobId;

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
    at += bytesWritten;
  }
}

/** Reads up to `size` bytes from the current position; shorter only at the end of the file. */
async function readUpTo(handle: FileHandle, size: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function flushFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a folder for flushing; the rename is still atomic.
  }
}

/**
 * Writes `final` so a crash leaves the old state or the whole new file: a private temporary
 * sibling, flushed, renamed over, then the folder flushed.
 */
async function writeAtomically(final: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  const temp = join(dirname(final), `.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  let written = false;
  try {
    await fill(handle);
    await handle.sync();
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(temp, { force: true });
  }
  try {
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await flushFolder(dirname(final));
}

/**
 * `key` is a 32-byte key for blobs only (a subkey, not the database key). The store keeps
 * its own copy, so the caller may wipe theirs.
 */
export async function createBlobStore(dir: string, key: Uint8Array): Promise<BlobStore> {
  if (key.length !== 32) throw new RangeError('The blob key must be 32 bytes.');
  const sodium = await loadSodium();
  const ownKey = new Uint8Array(key);
  const layout = blobLayout(sodium);
  const abytes = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700).catch(() => undefined);

  const pathOf = (id: string): string => {
    if (!isBlobId(id)) throw new InvalidBlobIdError();
    return join(dir, `${id}.blob`);
  };

  async function openForReading(id: string): Promise<FileHandle> {
    const path = pathOf(id);
    try {
      return await open(path, 'r');
    } catch (error) {
      if (systemCodeOf(error) === 'ENOENT') throw new BlobNotFoundError();
      throw error;
    }
  }

  return {
    dir,

    async put(data) {
      const id = newBlobId();
      const sealer = createBlobSealer(sodium, ownKey, id);
      await writeAtomically(pathOf(id), async (handle) => {
        await writeAll(handle, sealer.header);
        let at = 0;
        do {
          const end = Math.min(at + blobChunkBytes, data.length);
          await writeAll(handle, sealer.seal(data.subarray(at, end), end === data.length));
          at = end;
        } while (at < data.length);
      });
      return id;
    },

    async get(id) {
      const path = pathOf(id);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(path);
      } catch (error) {
        if (systemCodeOf(error) === 'ENOENT') throw new BlobNotFoundError();
        throw error;
      }
      const opener = createBlobOpener(sodium, ownKey, id, bytes.subarray(0, layout.headerBytes));
      const parts: Uint8Array[] = [];
      let at = layout.headerBytes;
      for (;;) {
        if (at >= bytes.length) throw new BlobDamagedError('truncated');
        const end = Math.min(at + layout.sealedChunkBytes, bytes.length);
        const { plain, final } = opener.open(bytes.subarray(at, end));
        parts.push(plain);
        at = end;
        if (final) break;
      }
      if (at !== bytes.length) throw new BlobDamagedError('trailing-data');
      return new Uint8Array(Buffer.concat(parts));
    },

    async remove(id) {
      await rm(pathOf(id), { force: true });
    },

    async putFile(sourcePath, onProgress) {
      const id = newBlobId();
      const target = pathOf(id);
      const source = await open(sourcePath, 'r');
      try {
        const totalBytes = (await source.stat()).size;
        const sealer = createBlobSealer(sodium, ownKey, id);
        await writeAtomically(target, async (handle) => {
          await writeAll(handle, sealer.header);
          let doneBytes = 0;
          let chunk = await readUpTo(source, blobChunkBytes);
          for (;;) {
            // A full chunk may still be the last one: look one chunk ahead to know.
            const next = chunk.length === blobChunkBytes ? await readUpTo(source, blobChunkBytes) : new Uint8Array(0);
            const final = next.length === 0;
            await writeAll(handle, sealer.seal(chunk, final));
            doneBytes += chunk.length;
            onProgress?.({ doneBytes, totalBytes: Math.max(totalBytes, doneBytes) });
            if (final) break;
            chunk = next;
          }
        });
      } finally {
        await source.close();
      }
      return id;
    },

    async getToFile(id, destPath, onProgress) {
      const source = await openForReading(id);
      try {
        const totalBytes = plaintextSize(layout, abytes, (await source.stat()).size);
        const opener = createBlobOpener(sodium, ownKey, id, await readUpTo(source, layout.headerBytes));
        await writeAtomically(destPath, async (handle) => {
          let doneBytes = 0;
          for (;;) {
            const sealed = await readUpTo(source, layout.sealedChunkBytes);
            if (sealed.length === 0) throw new BlobDamagedError('truncated');
            const { plain, final } = opener.open(sealed);
            await writeAll(handle, plain);
            doneBytes += plain.length;
            onProgress?.({ doneBytes, totalBytes: Math.max(totalBytes, doneBytes) });
            if (final) break;
          }
          if ((await readUpTo(source, 1)).length > 0) throw new BlobDamagedError('trailing-data');
        });
      } finally {
        await source.close();
      }
    },
  };
}
