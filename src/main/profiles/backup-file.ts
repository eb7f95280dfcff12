import { closeSync, createReadStream, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';

import { z } from 'zod';

import { loadSodium } from '../crypto/sodium';
import { KeyFileSchema } from './key-file';

/**
 * A profile backup, one file:
 *   "CMBACKUP" | version (1 byte) | header length (u32 BE) | header (JSON)
 *   | secretstream header (24 bytes) | chunks: length (u32 BE) + ciphertext, last one FINAL
 * The header carries the profile's key file (wrapped by the passphrase) so the backup can
 * be opened anywhere with the passphrase alone. The database bytes, already encrypted with
 * the database key, are sealed again with the backup key in XChaCha20-Poly1305
 * secretstream chunks; every chunk authenticates a hash of the header, so changing,
 * cutting, reordering or extending anything is detected.
 */
export const backupMagic = 'CMBACKUP';
const version = 1;
const chunkBytes = 64 * 1024;
const maxHeaderBytes = 64 * 1024;

export const BackupHeader = z
  .object({
    format: z.literal(1),
    createdAt: z.string(),
    displayName: z.string().max(100),
    keyFile: KeyFileSchema,
    databaseBytes: z.number().int().nonnegative(),
  })
  .strict();
export type BackupHeader = z.infer<typeof BackupHeader>;

export class BackupDamagedError extends Error {
  readonly code = 'backup-damaged';
  constructor(readonly reason: 'not-a-backup' | 'newer-format' | 'header' | 'content' | 'truncated') {
    super('This backup file is damaged or is not a Clinic Messenger backup.');
    this.name = 'BackupDamagedError';
  }
}

export type Progress = (done: number, total: number) => void;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

/** Reads and checks the header only: enough to show what a backup is before asking for its passphrase. */
export function readBackupHeader(file: string): { header: BackupHeader; headerBytes: Uint8Array; bodyOffset: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    throw new BackupDamagedError('not-a-backup');
  }
  try {
    const prefix = Buffer.alloc(backupMagic.length + 5);
    if (readSync(fd, prefix, 0, prefix.length, 0) !== prefix.length) throw new BackupDamagedError('not-a-backup');
    if (prefix.subarray(0, backupMagic.length).toString('latin1') !== backupMagic) throw new BackupDamagedError('not-a-backup');
    if (prefix[backupMagic.length] !== version) throw new BackupDamagedError('newer-format');
    const length = prefix.readUInt32BE(backupMagic.length + 1);
    if (length === 0 || length > maxHeaderBytes) throw new BackupDamagedError('header');
    const headerBytes = Buffer.alloc(length);
    if (readSync(fd, headerBytes, 0, length, prefix.length) !== length) throw new BackupDamagedError('truncated');
    let header: BackupHeader;
    try {
      header = BackupHeader.parse(JSON.parse(headerBytes.toString('utf8')));
    } catch {
      throw new BackupDamagedError('header');
    }
    return { header, headerBytes: new Uint8Array(headerBytes), bodyOffset: prefix.length + length };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a backup of `databaseFile` (which must not change while this runs) to `destination`,
 * through a temporary file renamed at the end, so a cancelled or failed backup never
 * leaves a half file under the chosen name.
 */
export async function writeBackup(input: {
  destination: string;
  databaseFile: string;
  header: Omit<BackupHeader, 'databaseBytes' | 'format'>;
  backupKey: Uint8Array;
  onProgress?: Progress;
}): Promise<{ bytes: number }> {
  const sodium = await loadSodium();
  const total = statSync(input.databaseFile).size;
  const header: BackupHeader = { format: 1, ...input.header, databaseBytes: total };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const ad = sodium.crypto_generichash(32, headerBytes, null);
  const temp = `${input.destination}.partial`;
  const out = openSync(temp, 'w', 0o600);
  let written = 0;
  const write = (bytes: Uint8Array) => {
    writeSync(out, bytes);
    written += bytes.length;
  };
  try {
    write(new TextEncoder().encode(backupMagic));
    write(Uint8Array.of(version));
    write(u32(headerBytes.length));
    write(headerBytes);
    const { state, header: streamHeader } = sodium.crypto_secretstream_xchacha20poly1305_init_push(input.backupKey);
    write(streamHeader);
    let done = 0;
    const source = createReadStream(input.databaseFile, { highWaterMark: chunkBytes, end: Math.max(0, total - 1) });
    let pending: Uint8Array | null = null;
    const push = (chunk: Uint8Array, final: boolean) => {
      const tag = final ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
      const sealed = sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, ad, tag);
      write(u32(sealed.length));
      write(sealed);
    };
    if (total > 0) {
      for await (const data of source as AsyncIterable<Buffer>) {
        if (pending) push(pending, false);
        pending = new Uint8Array(data);
        done += data.length;
        input.onProgress?.(done, total);
      }
    } else source.destroy();
    push(pending ?? new Uint8Array(0), true);
    fsyncSync(out);
  } catch (error) {
    closeSync(out);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(out);
  renameSync(temp, input.destination);
  return { bytes: written };
}

/** Decrypts the database bytes of a backup into `destination`; any change to the file is refused. */
export async function extractBackup(input: {
  file: string;
  destination: string;
  backupKey: Uint8Array;
  onProgress?: Progress;
}): Promise<void> {
  const sodium = await loadSodium();
  const { header, headerBytes, bodyOffset } = readBackupHeader(input.file);
  const ad = sodium.crypto_generichash(32, headerBytes, null);
  const size = statSync(input.file).size;
  const fd = openSync(input.file, 'r');
  const out = openSync(input.destination, 'w', 0o600);
  try {
    const streamHeader = Buffer.alloc(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
    if (readSync(fd, streamHeader, 0, streamHeader.length, bodyOffset) !== streamHeader.length) throw new BackupDamagedError('truncated');
    let state;
    try {
      state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(streamHeader, input.backupKey);
    } catch {
      throw new BackupDamagedError('content');
    }
    let position = bodyOffset + streamHeader.length;
    let done = 0;
    let finished = false;
    const lengthBytes = Buffer.alloc(4);
    while (!finished) {
      if (readSync(fd, lengthBytes, 0, 4, position) !== 4) throw new BackupDamagedError('truncated');
      const length = lengthBytes.readUInt32BE(0);
      if (length > chunkBytes + sodium.crypto_secretstream_xchacha20poly1305_ABYTES) throw new BackupDamagedError('content');
      const sealed = Buffer.alloc(length);
      if (readSync(fd, sealed, 0, length, position + 4) !== length) throw new BackupDamagedError('truncated');
      position += 4 + length;
      let opened: { message: Uint8Array; tag: number } | false;
      try {
        opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, ad);
      } catch {
        opened = false;
      }
      if (!opened) throw new BackupDamagedError('content');
      writeSync(out, opened.message);
      done += opened.message.length;
      input.onProgress?.(done, header.databaseBytes);
      finished = opened.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    }
    if (position !== size || done !== header.databaseBytes) throw new BackupDamagedError('content');
    fsyncSync(out);
  } finally {
    closeSync(fd);
    closeSync(out);
  }
}
