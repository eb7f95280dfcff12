// Runs in the portal (browser; Node 22 in tests): a patient's files to and from the clinic
// (ADR 19). A file is sealed chunk by chunk as it is read and uploaded a few chunks at a
// time, so memory stays a few chunks whatever its size; a lost connection resumes from the
// chunks the relay already holds. A file received is fetched, opened and checked in order;
// only bytes whose every chunk and whose SHA-256 verify are handed out.
import {
  ATTACHMENT_CHUNK_BYTES,
  type AttachmentRef,
  type AttachmentType,
  AttachmentError,
  chunkCount,
  cleanFileName,
  createChunkOpener,
  createChunkSealer,
} from '../../shared/protocol/attachments';
import { BlobTransferError, type SealedSource, downloadBlob, uploadBlob } from '../../shared/protocol/blob-transfer';
import { toBase64 } from '../../shared/protocol/encoding';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { PortalError } from './portal-types';
import { RelayError, type RelaySocket } from './relay-socket';

/** A file the patient chose, after its metadata was removed: read by ranges, never whole. */
export type OutgoingFile = {
  readonly name: string;
  readonly type: AttachmentType;
  readonly size: number;
  read(from: number, to: number): Promise<Uint8Array>;
};

export type Link = {
  socket(): RelaySocket | null;
  /** Resolves true once the connection is back, false after `ms`. */
  waitOnline(ms: number): Promise<boolean>;
};

export const newBlobId = (sodium: SodiumApi): string => `b${toBase64(sodium.randombytes_buf(18)).replace(/\+/g, '-').replace(/\//g, '_')}`;

const MAX_RESUMES = 20;

/** Why the relay refused a file, in the patient's terms (the UI translates the code). */
function refusal(error: RelayError): PortalError {
  if (error.code === 'forbidden') return new PortalError('file', 'This clinic does not accept photos or files from patients.', 'not-accepted');
  if (error.code === 'no-consent') return new PortalError('file', 'You have not agreed to send photos and files.', 'no-consent');
  if (error.code === 'too-large') return new PortalError('file', error.message, 'too-big');
  return new PortalError('file', 'The clinic’s server refused this file.', 'refused');
}

/** Seals the file as it is read, and keeps each sealed chunk until the relay has it. */
function streamingSource(sodium: SodiumApi, blobId: string, file: OutgoingFile): { source: SealedSource; finish: () => AttachmentRef } {
  const sealer = createChunkSealer(sodium, blobId);
  const count = chunkCount(file.size);
  const held = new Map<number, Uint8Array>();
  let sealed = 0;
  return {
    source: {
      count,
      async get(index) {
        const kept = held.get(index);
        if (kept) return kept;
        if (index !== sealed) throw new PortalError('file', 'The file could not be read again; choose it again.', 'unreadable');
        const from = index * ATTACHMENT_CHUNK_BYTES;
        const to = Math.min(file.size, from + ATTACHMENT_CHUNK_BYTES);
        const plain = await file.read(from, to);
        if (plain.length !== to - from) throw new PortalError('file', 'The file changed or could not be read while it was being sent.', 'unreadable');
        const chunk = sealer.seal(plain, index === count - 1);
        held.set(index, chunk);
        sealed += 1;
        return chunk;
      },
      release(index) {
        held.delete(index);
      },
    },
    finish: () => sealer.finish(cleanFileName(file.name, file.type), file.type),
  };
}

/**
 * Uploads one file for the patient's conversation and returns the reference the message
 * carries. A lost connection waits for it to come back and resumes where the relay stands.
 */
export async function uploadFile(
  sodium: SodiumApi,
  link: Link,
  patientId: string,
  file: OutgoingFile,
  onProgress?: (doneBytes: number) => void,
): Promise<AttachmentRef> {
  if (file.size === 0) throw new PortalError('file', 'This file is empty.', 'empty');
  const blobId = newBlobId(sodium);
  const { source, finish } = streamingSource(sodium, blobId, file);
  let from = 0;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const socket = link.socket();
      if (!socket?.open) throw new RelayError('offline', 'The clinic’s server cannot be reached.');
      if (attempt > 0) from = (await socket.request('blob.status', { blobId })).stored;
      await uploadBlob(socket, { blobId, patientId }, source, { from, onProgress: (done) => onProgress?.(Math.min(file.size, done * ATTACHMENT_CHUNK_BYTES)) });
      return finish();
    } catch (error) {
      if (error instanceof PortalError) throw error;
      if (!(error instanceof RelayError)) throw error;
      if (!error.transient) throw refusal(error);
      if (attempt >= MAX_RESUMES || !(await link.waitOnline(30_000))) {
        throw new PortalError('offline', 'The connection was lost while the file was being sent. Nothing was sent; try again once you are back online.');
      }
    }
  }
}

/** Fetches, opens and checks one file; its bytes, in parts, only if every check passed. */
export async function fetchFile(sodium: SodiumApi, link: Link, ref: AttachmentRef, onProgress?: (doneBytes: number) => void): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let opener = createChunkOpener(sodium, ref);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const socket = link.socket();
      if (!socket?.open) throw new RelayError('offline', 'The clinic’s server cannot be reached.');
      await downloadBlob(socket, ref, (index, sealed) => {
        parts.push(opener.open(sealed, index));
        onProgress?.(Math.min(ref.size, (index + 1) * ATTACHMENT_CHUNK_BYTES));
      }, { from: parts.length });
      opener.finish();
      return parts;
    } catch (error) {
      if (error instanceof AttachmentError || error instanceof BlobTransferError) throw new PortalError('unverified', 'The attachment could not be verified.');
      if (!(error instanceof RelayError) || !error.transient) throw new PortalError('file', 'This file is no longer available from the clinic’s server.', 'gone');
      if (attempt >= MAX_RESUMES || !(await link.waitOnline(30_000))) throw new PortalError('offline', 'The connection was lost while the file was downloading; try again.');
      // Start over cleanly if a chunk was half handled: the opener state must match the parts.
      if (parts.length === 0) opener = createChunkOpener(sodium, ref);
    }
  }
}
