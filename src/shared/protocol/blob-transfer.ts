// Runs anywhere: moving an attachment's sealed chunks to and from the relay (ADR 19), for the
// desktop app and the portal alike. A few chunks are in flight at once (the relay answers a
// socket's frames in order), and never more are held than that window: memory does not grow
// with the file. A transfer that fails part way is resumed by calling it again from where the
// relay says it stands (`blob.status` for an upload; the chunks already held for a download).
import { type AttachmentRef } from './attachments';
import { fromBase64, toBase64 } from './encoding';
import { type AnswerBody, type RequestBody } from './relay-frames';

export type BlobRequests = {
  request<T extends 'blob.put' | 'blob.status' | 'blob.get'>(type: T, body: RequestBody<T>): Promise<AnswerBody<T>>;
};

/** The sealed chunks of one file, by index; `release` says a chunk is safely at the relay. */
export type SealedSource = {
  readonly count: number;
  get(index: number): Promise<Uint8Array> | Uint8Array;
  release?(index: number): void;
};

export const TRANSFER_WINDOW = 3;

type InFlight<T> = { readonly index: number; readonly answer: Promise<T> };

const quietly = <T>(promise: Promise<T>): Promise<T> => {
  promise.catch(() => undefined);
  return promise;
};

/** Uploads chunks `from` … count-1 of a blob; resolves once the relay holds every one. */
export async function uploadBlob(
  link: BlobRequests,
  blob: { readonly blobId: string; readonly patientId: string },
  source: SealedSource,
  options: { readonly from?: number; readonly window?: number; readonly onProgress?: (done: number, total: number) => void } = {},
): Promise<void> {
  const window = options.window ?? TRANSFER_WINDOW;
  const queue: InFlight<AnswerBody<'blob.put'>>[] = [];
  let next = options.from ?? 0;
  while (next < source.count || queue.length > 0) {
    while (next < source.count && queue.length < window) {
      const index = next;
      next += 1;
      const sealed = await source.get(index);
      queue.push({ index, answer: quietly(link.request('blob.put', { blobId: blob.blobId, patientId: blob.patientId, index, chunk: toBase64(sealed), last: index === source.count - 1 })) });
    }
    const head = queue.shift() as InFlight<AnswerBody<'blob.put'>>;
    await head.answer;
    source.release?.(head.index);
    options.onProgress?.(head.index + 1, source.count);
  }
}

/**
 * Fetches chunks `from` … ref.chunks-1 of a blob, handing each to `sink` in order. A chunk
 * that is not canonical base64, or a relay that reports another chunk count, stops it.
 */
export async function downloadBlob(
  link: BlobRequests,
  ref: Pick<AttachmentRef, 'blobId' | 'chunks'>,
  sink: (index: number, sealed: Uint8Array) => Promise<void> | void,
  options: { readonly from?: number; readonly window?: number } = {},
): Promise<void> {
  const window = options.window ?? TRANSFER_WINDOW;
  const queue: InFlight<AnswerBody<'blob.get'>>[] = [];
  let next = options.from ?? 0;
  while (next < ref.chunks || queue.length > 0) {
    while (next < ref.chunks && queue.length < window) {
      queue.push({ index: next, answer: quietly(link.request('blob.get', { blobId: ref.blobId, index: next })) });
      next += 1;
    }
    const head = queue.shift() as InFlight<AnswerBody<'blob.get'>>;
    const answer = await head.answer;
    const sealed = fromBase64(answer.chunk);
    if (!sealed || answer.chunks !== ref.chunks) throw new BlobTransferError('The relay’s copy of this file does not match the message.');
    await sink(head.index, sealed);
  }
}

export class BlobTransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobTransferError';
  }
}
