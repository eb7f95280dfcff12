// Files in messages on a staff device (ADR 19). A clinician attaches a file: its type is read
// from its bytes, checked against the clinic's signed rules, its photo metadata removed, and
// it is sealed into chunks under a fresh key and kept in the encrypted store. The outbox
// uploads those chunks (resuming from where the relay stands) before the message that
// carries the key. A file received is fetched chunk by chunk into the store and checked whole
// (every chunk, then the SHA-256) before it is offered; it is opened in memory, never on disk.
import {
  type AttachmentRef,
  AttachmentError,
  type ChunkOpener,
  cleanFileName,
  createChunkOpener,
  defaultAttachmentRules,
  fileProblem,
  sealAll,
  sniffType,
} from '../../../shared/protocol/attachments';
import { BlobTransferError, downloadBlob, uploadBlob } from '../../../shared/protocol/blob-transfer';
import { type Coalesced, coalesce } from '../../../shared/protocol/coalesce';
import { consentAllows } from '../../../shared/protocol/documents';
import { stripMetadata } from '../../../shared/image-metadata';
import { type HeldAttachment } from '../attachment-state';
import { RelayError, type RelayConnection } from '../relay-connection';
import { fail } from './client-error';
import { type ClientContext } from './context';
import { randomId } from './identity';

/** Downloaded chunks are flushed and counted this many at a time: at most that many are fetched again after a crash. */
const COMMIT_EVERY = 8;

/** A staged file nobody sent is removed after a day. */
export const STAGED_TTL_MS = 86_400_000;

export type StagedFile = { readonly blobId: string; readonly name: string; readonly type: AttachmentRef['type']; readonly size: number };

export class Attachments {
  /** Fetches every file still to fetch; one pass at a time. */
  readonly fetchPending: Coalesced<number> = coalesce(() => this.fetchOnce(), { combine: (a, b) => a + b });

  constructor(private readonly ctx: ClientContext) {}

  private rules() {
    return this.ctx.directory.inMemory()?.rules?.attachments ?? this.ctx.directory.storedRules()?.rules.attachments ?? defaultAttachmentRules;
  }

  /**
   * Attaches a file to the next message to a patient: checked, cleaned, sealed and kept
   * (staged) until the message is sent. `alreadyStaged` counts the files already attached.
   */
  async stage(input: { patientId: string; name: string; bytes: Uint8Array; alreadyStaged: number }): Promise<StagedFile> {
    const id = this.ctx.identity.current();
    if (id.status !== 'active') fail('pending-approval', 'This device is waiting for an IT admin’s approval.');
    if (id.role !== 'clinician' && id.role !== 'it-admin') fail('not-allowed', 'Only clinicians send files.');
    const directory = await this.ctx.directory.forSealing();
    if (!consentAllows(directory.consents.get(input.patientId) ?? null, 'clinical', this.ctx.now())) {
      fail('no-consent', 'This patient has not agreed to messages, or has withdrawn or let that consent expire.');
    }
    const type = sniffType(input.bytes);
    const problem = fileProblem(this.rules(), { type, size: input.bytes.length }, input.alreadyStaged);
    if (problem) fail('file', problem);
    const safeType = type as NonNullable<typeof type>;
    // Photos leave without their EXIF, GPS or other metadata.
    const bytes = safeType === 'image/jpeg' || safeType === 'image/png' ? (stripMetadata(input.bytes) ?? fail('file', 'unreadable')) : input.bytes;
    const blobId = randomId(this.ctx.sodium, 'b', 18);
    const { ref, chunks } = sealAll(this.ctx.sodium, blobId, bytes, cleanFileName(input.name, safeType), safeType);
    this.ctx.store.attachments.stage(input.patientId, ref, chunks, this.ctx.now());
    return { blobId, name: ref.name, type: ref.type, size: ref.size };
  }

  /** A staged file the clinician took off before sending. */
  discard(blobId: string): void {
    const held = this.ctx.store.attachments.get(blobId);
    if (held?.state === 'staged' && held.messageId === null) this.ctx.store.attachments.remove(blobId);
  }

  /** The references of staged files, for the message body, in the order given. */
  refsFor(patientId: string, blobIds: readonly string[]): AttachmentRef[] {
    return blobIds.map((blobId) => {
      const held = this.ctx.store.attachments.get(blobId);
      if (!held || held.patientId !== patientId || !held.outgoing || held.messageId !== null) fail('file', 'gone');
      return (held as HeldAttachment).ref;
    });
  }

  /** Makes sure the relay holds every chunk of these files, resuming where it stands. */
  async upload(connection: RelayConnection, patientId: string, blobIds: readonly string[]): Promise<void> {
    for (const blobId of blobIds) {
      const held = this.ctx.store.attachments.get(blobId);
      if (!held) throw new RelayError('invalid', 'A file of this message is no longer on this computer.');
      const status = await connection.request('blob.status', { blobId });
      if (status.complete) continue;
      const source = {
        count: held.ref.chunks,
        get: (index: number) => this.ctx.store.attachments.chunk(blobId, index) ?? Promise.reject(new RelayError('invalid', 'A part of this file is missing on this computer.')),
      };
      await uploadBlob(connection, { blobId, patientId }, source, { from: status.stored });
    }
  }

  /** Files of a received message: stored with it, to fetch; `consistent` false: never offered. */
  expect(messageId: string, patientId: string, refs: readonly AttachmentRef[], consistent: boolean): void {
    this.ctx.store.attachments.expect(messageId, patientId, refs, consistent, this.ctx.now());
  }

  private async fetchOnce(): Promise<number> {
    const pending = this.ctx.store.attachments.fetching();
    if (pending.length === 0) return 0;
    const connection = await this.ctx.session.relay();
    let done = 0;
    for (const held of pending) {
      try {
        await this.fetchOne(connection, held);
        this.ctx.store.attachments.setState(held.blobId, 'ready');
      } catch (error) {
        if (error instanceof RelayError && error.transient) throw error;
        // A chunk or the hash did not verify, the relay's copy does not match the message, or it is gone.
        if (error instanceof AttachmentError || error instanceof RelayError || error instanceof BlobTransferError) this.ctx.store.attachments.setState(held.blobId, 'unverified');
        else throw error;
      }
      done += 1;
      this.ctx.changed();
    }
    return done;
  }

  /**
   * Fetches the chunks not held yet, opening each as it comes (so a changed chunk stops the
   * download there) and committing a few at a time; the chunks held from before are opened
   * first, so the check covers the whole file. Throws AttachmentError when it does not verify.
   */
  private async fetchOne(connection: RelayConnection, held: HeldAttachment): Promise<void> {
    const { attachments } = this.ctx.store;
    const opener = createChunkOpener(this.ctx.sodium, held.ref);
    const from = attachments.get(held.blobId)?.held ?? 0;
    this.openStored(held, opener, from, () => undefined);
    // Each chunk is written at its place as it comes; every few, they are flushed and counted.
    let written = from;
    let counted = from;
    const commit = () => {
      if (written > counted) attachments.commitChunks(held.blobId, written);
      counted = written;
    };
    try {
      await downloadBlob(
        connection,
        held.ref,
        (index, sealed) => {
          opener.open(sealed, index);
          attachments.writeChunk(held.blobId, index, sealed);
          written = index + 1;
          if (written - counted >= COMMIT_EVERY) commit();
        },
        { from },
      );
    } finally {
      // What verified so far is kept, so a lost connection or a crash resumes after it.
      commit();
    }
    opener.finish();
  }

  /** Opens the first `count` chunks held here, in order, handing each plaintext to `part`. */
  private openStored(held: HeldAttachment, opener: ChunkOpener, count: number, part: (plain: Uint8Array) => void): void {
    for (let index = 0; index < count; index += 1) {
      const sealed = this.ctx.store.attachments.chunk(held.blobId, index);
      if (!sealed) throw new AttachmentError('unverified', 'The attachment could not be verified.');
      part(opener.open(sealed, index));
    }
  }

  /** A file's bytes, opened in memory and checked again; throws AttachmentError when it does not verify. */
  open(blobId: string): { ref: AttachmentRef; bytes: Uint8Array; held: HeldAttachment } {
    const held = this.ctx.store.attachments.get(blobId);
    if (!held || (held.state !== 'ready' && held.state !== 'staged')) throw new AttachmentError('unverified', 'The attachment could not be verified.');
    const bytes = new Uint8Array(held.ref.size);
    let at = 0;
    const opener = createChunkOpener(this.ctx.sodium, held.ref);
    this.openStored(held, opener, held.ref.chunks, (plain) => {
      bytes.set(plain, at);
      at += plain.length;
    });
    opener.finish();
    return { ref: held.ref, bytes, held };
  }
}
