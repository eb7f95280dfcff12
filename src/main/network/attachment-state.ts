// Runs in main (Node): the attachments this device holds (ADR 19). A file is kept as the relay
// has it: its sealed chunks, in a file of its own in a folder beside the device store, under
// the file's own key, which is kept only in the encrypted device store with the file's name,
// type, size and hash. Nothing decrypted is ever written: a file is opened in memory when
// someone looks at it. A file this device sends is sealed into its chunks when it is attached
// ("staged"); one it receives is fetched chunk by chunk, a few chunks flushed at a time
// before the store counts them, so a download resumes after a crash, and it is checked in full
// before it is offered. Removing a message removes its files.
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { ATTACHMENT_CHUNK_BYTES, type AttachmentRef, SEALED_CHUNK_BYTES, attachmentSchema, blobIdSchema } from '../../shared/protocol/attachments';
import { type EncryptedDatabase } from '../storage/open-encrypted';

export const ATTACHMENT_STATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS attachments (
  blob_id TEXT PRIMARY KEY NOT NULL,
  message_id TEXT,
  patient_id TEXT NOT NULL,
  outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
  position INTEGER NOT NULL DEFAULT 0,
  ref_json TEXT NOT NULL CHECK (json_valid(ref_json)),
  state TEXT NOT NULL CHECK (state IN ('staged', 'fetching', 'ready', 'unverified')),
  held INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS attachments_by_message ON attachments (message_id, position);
CREATE INDEX IF NOT EXISTS attachments_fetching ON attachments (created_at) WHERE state = 'fetching';
`;

export type AttachmentStateName = 'staged' | 'fetching' | 'ready' | 'unverified';

export type HeldAttachment = {
  readonly blobId: string;
  readonly messageId: string | null;
  readonly patientId: string;
  readonly outgoing: boolean;
  readonly ref: AttachmentRef;
  readonly state: AttachmentStateName;
  /** Sealed chunks held here, from the first without a gap. */
  readonly held: number;
  readonly createdAt: number;
};

export type AttachmentState = {
  /** A file this device attaches: its reference and sealed chunks, in one transaction. */
  stage(patientId: string, ref: AttachmentRef, chunks: Iterable<Uint8Array>, at: number): void;
  /** Binds staged files to the message that now carries them. */
  bind(messageId: string, blobIds: readonly string[]): void;
  /** A refused message's own files become staged again (to send with its retry); their ids. */
  unbind(messageId: string): string[];
  /** Files of a received message, to fetch; `consistent` false marks them unverified at once. */
  expect(messageId: string, patientId: string, refs: readonly AttachmentRef[], consistent: boolean, at: number): void;
  get(blobId: string): HeldAttachment | null;
  ofMessage(messageId: string): HeldAttachment[];
  /** Files of many messages at once, by message id. */
  ofMessages(messageIds: readonly string[]): Map<string, HeldAttachment[]>;
  fetching(limit?: number): HeldAttachment[];
  /** Writes one chunk at its place, not yet flushed nor counted (a download writes as it goes). */
  writeChunk(blobId: string, index: number, bytes: Uint8Array): void;
  /** Flushes what was written and counts the chunks up to `held` (in order, never fewer than now). */
  commitChunks(blobId: string, held: number): void;
  chunk(blobId: string, index: number): Uint8Array | null;
  setState(blobId: string, state: AttachmentStateName): void;
  /** Removes a file and its chunks (a staged file discarded). */
  remove(blobId: string): void;
  /** Removes the files of a message (the message was removed). */
  removeOfMessage(messageId: string): number;
  /** Staged files never sent, created before `before`. */
  removeUnsentBefore(before: number): number;
};

type Row = { blob_id: string; message_id: string | null; patient_id: string; outgoing: number; ref_json: string; state: AttachmentStateName; held: number; created_at: number };

const toHeld = (r: Row): HeldAttachment => ({
  blobId: r.blob_id,
  messageId: r.message_id,
  patientId: r.patient_id,
  outgoing: r.outgoing === 1,
  ref: attachmentSchema.parse(JSON.parse(r.ref_json)),
  state: r.state,
  held: r.held,
  createdAt: r.created_at,
});

/** Where a file's sealed chunks are: one file per blob, named by its id (checked: only URL-safe characters). */
function chunkFile(dir: string, blobId: string): string {
  if (!blobIdSchema.safeParse(blobId).success) throw new RangeError('Not a blob id.');
  return join(dir, `${blobId}.sealed`);
}

/** The sealed length of chunk `index` of a file: full, except the last. */
const sealedLength = (ref: AttachmentRef, index: number): number =>
  index < ref.chunks - 1 ? SEALED_CHUNK_BYTES : ref.size - (ref.chunks - 1) * ATTACHMENT_CHUNK_BYTES + (SEALED_CHUNK_BYTES - ATTACHMENT_CHUNK_BYTES);

export function attachmentStateOn(db: EncryptedDatabase, dir: string): AttachmentState {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const q = {
    insert: db.prepare(
      'INSERT INTO attachments (blob_id, message_id, patient_id, outgoing, position, ref_json, state, held, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (blob_id) DO NOTHING',
    ),
    get: db.prepare<[string], Row>('SELECT * FROM attachments WHERE blob_id = ?'),
    ofMessage: db.prepare<[string], Row>('SELECT * FROM attachments WHERE message_id = ? ORDER BY position'),
    fetching: db.prepare<[number], Row>("SELECT * FROM attachments WHERE state = 'fetching' ORDER BY created_at LIMIT ?"),
    setHeld: db.prepare('UPDATE attachments SET held = ? WHERE blob_id = ?'),
    setState: db.prepare('UPDATE attachments SET state = ? WHERE blob_id = ?'),
    bind: db.prepare("UPDATE attachments SET message_id = ?, position = ?, state = 'ready' WHERE blob_id = ? AND message_id IS NULL AND outgoing = 1"),
    unbind: db.prepare("UPDATE attachments SET message_id = NULL, position = 0, state = 'staged' WHERE blob_id = ?"),
    remove: db.prepare('DELETE FROM attachments WHERE blob_id = ?'),
    unsent: db.prepare<[number], { blob_id: string }>("SELECT blob_id FROM attachments WHERE message_id IS NULL AND state = 'staged' AND created_at < ?"),
  };
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();

  /** Writes chunks at their places and flushes them; the caller counts them afterwards. */
  const writeChunks = (blobId: string, chunks: readonly (readonly [number, Uint8Array])[]): void => {
    if (chunks.length === 0) return;
    // Read-write without O_APPEND: each chunk goes at its own place, whatever a crash left after it.
    const fd = openSync(chunkFile(dir, blobId), constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      for (const [index, bytes] of chunks) writeSync(fd, bytes, 0, bytes.length, index * SEALED_CHUNK_BYTES);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  const removeOne = (blobId: string): void => {
    q.remove.run(blobId);
    rmSync(chunkFile(dir, blobId), { force: true });
  };

  const state: AttachmentState = {
    stage(patientId, ref, chunks, at) {
      rmSync(chunkFile(dir, ref.blobId), { force: true });
      writeChunks(ref.blobId, [...chunks].map((bytes, index) => [index, bytes] as const));
      q.insert.run(ref.blobId, null, patientId, 1, 0, JSON.stringify(ref), 'staged', ref.chunks, at);
    },
    bind(messageId, blobIds) {
      tx(() => blobIds.forEach((blobId, position) => q.bind.run(messageId, position, blobId)));
    },
    unbind(messageId) {
      return tx(() => {
        const rows = q.ofMessage.all(messageId).filter((r) => r.outgoing === 1);
        for (const r of rows) q.unbind.run(r.blob_id);
        return rows.map((r) => r.blob_id);
      });
    },
    expect(messageId, patientId, refs, consistent, at) {
      tx(() => refs.forEach((ref, position) => q.insert.run(ref.blobId, messageId, patientId, 0, position, JSON.stringify(ref), consistent ? 'fetching' : 'unverified', 0, at)));
    },
    get(blobId) {
      const row = q.get.get(blobId);
      return row ? toHeld(row) : null;
    },
    ofMessage(messageId) {
      return q.ofMessage.all(messageId).map(toHeld);
    },
    ofMessages(messageIds) {
      const out = new Map<string, HeldAttachment[]>();
      for (const messageId of messageIds) {
        const rows = q.ofMessage.all(messageId);
        if (rows.length > 0) out.set(messageId, rows.map(toHeld));
      }
      return out;
    },
    fetching(limit = 20) {
      return q.fetching.all(limit).map(toHeld);
    },
    writeChunk(blobId, index, bytes) {
      const fd = openSync(chunkFile(dir, blobId), constants.O_RDWR | constants.O_CREAT, 0o600);
      try {
        writeSync(fd, bytes, 0, bytes.length, index * SEALED_CHUNK_BYTES);
      } finally {
        closeSync(fd);
      }
    },
    commitChunks(blobId, held) {
      const row = q.get.get(blobId);
      if (!row || held <= row.held) return;
      const fd = openSync(chunkFile(dir, blobId), constants.O_RDWR | constants.O_CREAT, 0o600);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      q.setHeld.run(held, blobId);
    },
    chunk(blobId, index) {
      const row = q.get.get(blobId);
      if (!row || index >= row.held) return null;
      const ref = attachmentSchema.parse(JSON.parse(row.ref_json));
      const length = sealedLength(ref, index);
      const out = new Uint8Array(length);
      let fd: number;
      try {
        fd = openSync(chunkFile(dir, blobId), 'r');
      } catch {
        return null;
      }
      try {
        const read = readSync(fd, out, 0, length, index * SEALED_CHUNK_BYTES);
        return read === length ? out : null;
      } finally {
        closeSync(fd);
      }
    },
    setState(blobId, next) {
      q.setState.run(next, blobId);
    },
    remove(blobId) {
      removeOne(blobId);
    },
    removeOfMessage(messageId) {
      const rows = q.ofMessage.all(messageId);
      for (const r of rows) removeOne(r.blob_id);
      return rows.length;
    },
    removeUnsentBefore(before) {
      const rows = q.unsent.all(before);
      for (const r of rows) removeOne(r.blob_id);
      return rows.length;
    },
  };
  return state;
}
