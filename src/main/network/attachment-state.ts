// Runs in main (Node): the attachments this device holds (ADR 19), in the encrypted device
// store beside the messages. A file is kept as the relay has it: its sealed chunks, under the
// file's own key, which is itself kept only in this encrypted file. Nothing decrypted is ever
// written: a file is opened in memory when someone looks at it. A file this device sends is
// sealed into its chunks when it is attached ("staged"); one it receives is fetched chunk by
// chunk (each chunk stored in its own transaction, so a download resumes after a crash) and
// checked in full before it is offered. Removing a message removes its files.
import { type AttachmentRef, attachmentSchema } from '../../shared/protocol/attachments';
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
CREATE TABLE IF NOT EXISTS attachment_chunks (
  blob_id TEXT NOT NULL,
  idx INTEGER NOT NULL CHECK (idx >= 0),
  bytes BLOB NOT NULL,
  PRIMARY KEY (blob_id, idx)
) STRICT;
`;

export type AttachmentStateName = 'staged' | 'fetching' | 'ready' | 'unverified';

export type HeldAttachment = {
  readonly blobId: string;
  readonly messageId: string | null;
  readonly patientId: string;
  readonly outgoing: boolean;
  readonly ref: AttachmentRef;
  readonly state: AttachmentStateName;
  /** Sealed chunks held here. */
  readonly held: number;
  readonly createdAt: number;
};

export type AttachmentState = {
  /** A file this device attaches: its reference and sealed chunks, in one transaction. */
  stage(patientId: string, ref: AttachmentRef, chunks: Iterable<Uint8Array>, at: number): void;
  /** Starts a staged file's chunks: the first `count` chunks are written by `putChunk`. */
  beginStaging(patientId: string, ref: AttachmentRef, at: number): void;
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
  putChunk(blobId: string, index: number, bytes: Uint8Array): void;
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

export function attachmentStateOn(db: EncryptedDatabase): AttachmentState {
  const q = {
    insert: db.prepare(
      'INSERT INTO attachments (blob_id, message_id, patient_id, outgoing, position, ref_json, state, held, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (blob_id) DO NOTHING',
    ),
    get: db.prepare<[string], Row>('SELECT * FROM attachments WHERE blob_id = ?'),
    ofMessage: db.prepare<[string], Row>('SELECT * FROM attachments WHERE message_id = ? ORDER BY position'),
    fetching: db.prepare<[number], Row>("SELECT * FROM attachments WHERE state = 'fetching' ORDER BY created_at LIMIT ?"),
    putChunk: db.prepare('INSERT INTO attachment_chunks (blob_id, idx, bytes) VALUES (?, ?, ?) ON CONFLICT (blob_id, idx) DO NOTHING'),
    countHeld: db.prepare('UPDATE attachments SET held = (SELECT count(*) FROM attachment_chunks WHERE blob_id = ?) WHERE blob_id = ?'),
    chunk: db.prepare<[string, number], { bytes: Buffer }>('SELECT bytes FROM attachment_chunks WHERE blob_id = ? AND idx = ?'),
    setState: db.prepare('UPDATE attachments SET state = ? WHERE blob_id = ?'),
    bind: db.prepare("UPDATE attachments SET message_id = ?, position = ?, state = 'ready' WHERE blob_id = ? AND message_id IS NULL AND outgoing = 1"),
    unbind: db.prepare("UPDATE attachments SET message_id = NULL, position = 0, state = 'staged' WHERE blob_id = ?"),
    removeChunks: db.prepare('DELETE FROM attachment_chunks WHERE blob_id = ?'),
    remove: db.prepare('DELETE FROM attachments WHERE blob_id = ?'),
    unsent: db.prepare<[number], { blob_id: string }>("SELECT blob_id FROM attachments WHERE message_id IS NULL AND state = 'staged' AND created_at < ?"),
  };
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();
  const removeOne = (blobId: string): void => {
    q.removeChunks.run(blobId);
    q.remove.run(blobId);
  };

  const state: AttachmentState = {
    stage(patientId, ref, chunks, at) {
      tx(() => {
        state.beginStaging(patientId, ref, at);
        let index = 0;
        for (const bytes of chunks) q.putChunk.run(ref.blobId, index++, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        q.countHeld.run(ref.blobId, ref.blobId);
      });
    },
    beginStaging(patientId, ref, at) {
      q.insert.run(ref.blobId, null, patientId, 1, 0, JSON.stringify(ref), 'staged', 0, at);
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
    putChunk(blobId, index, bytes) {
      tx(() => {
        q.putChunk.run(blobId, index, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        q.countHeld.run(blobId, blobId);
      });
    },
    chunk(blobId, index) {
      const row = q.chunk.get(blobId, index);
      return row ? new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength) : null;
    },
    setState(blobId, next) {
      q.setState.run(next, blobId);
    },
    remove(blobId) {
      tx(() => removeOne(blobId));
    },
    removeOfMessage(messageId) {
      return tx(() => {
        const rows = q.ofMessage.all(messageId);
        for (const r of rows) removeOne(r.blob_id);
        return rows.length;
      });
    },
    removeUnsentBefore(before) {
      return tx(() => {
        const rows = q.unsent.all(before);
        for (const r of rows) removeOne(r.blob_id);
        return rows.length;
      });
    },
  };
  return state;
}
