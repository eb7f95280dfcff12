// Attachment blobs (ADR 19): ciphertext chunks under a random id. A blob belongs to the
// device that uploads it and to one patient's conversation; it is bound to its message in
// appendMessage's transaction (message-queries.ts) and removed with it by retention.
import { type BlobChunkOutcome, type BlobRecord, type RelayStore } from '../relay-store';
import { type Connection } from './connection';
import { bytesIn, sameBytes } from './rows';

type BlobStore = Pick<RelayStore, 'putBlobChunk' | 'getBlob' | 'blobPrefix' | 'getBlobChunk' | 'removeExpired'>;

type Row = {
  blob_id: string;
  patient_id: string;
  uploader_device_id: string;
  chunk_count: number | null;
  stored_chunks: number;
  stored_bytes: number;
  message_id: string | null;
  created_at: number;
};

const toRecord = (r: Row): BlobRecord => ({
  blobId: r.blob_id,
  patientId: r.patient_id,
  uploaderDeviceId: r.uploader_device_id,
  chunkCount: r.chunk_count,
  storedChunks: r.stored_chunks,
  storedBytes: r.stored_bytes,
  messageId: r.message_id,
  createdAt: r.created_at,
});

export function blobQueries({ db, write, ensureOpen }: Connection): BlobStore {
  const q = {
    get: db.prepare<[string], Row>('SELECT * FROM blobs WHERE blob_id = ?'),
    create: db.prepare('INSERT INTO blobs (blob_id, patient_id, uploader_device_id, created_at) VALUES (?, ?, ?, ?)'),
    chunk: db.prepare<[string, number], { bytes: Buffer }>('SELECT bytes FROM blob_chunks WHERE blob_id = ? AND idx = ?'),
    maxIndex: db.prepare<[string], { top: number | null }>('SELECT max(idx) AS top FROM blob_chunks WHERE blob_id = ?'),
    indices: db.prepare<[string], { idx: number }>('SELECT idx FROM blob_chunks WHERE blob_id = ? ORDER BY idx'),
    insertChunk: db.prepare('INSERT INTO blob_chunks (blob_id, idx, bytes) VALUES (?, ?, ?)'),
    counted: db.prepare('UPDATE blobs SET stored_chunks = stored_chunks + 1, stored_bytes = stored_bytes + ? WHERE blob_id = ?'),
    setCount: db.prepare('UPDATE blobs SET chunk_count = ? WHERE blob_id = ?'),
    expiredMessages: db.prepare<[number], { message_id: string; relay_seq: number }>('SELECT message_id, relay_seq FROM messages WHERE received_at < ?'),
    receiptSeqs: db.prepare<[string], { relay_seq: number }>('SELECT relay_seq FROM receipts WHERE message_id = ?'),
    deleteReceipts: db.prepare('DELETE FROM receipts WHERE message_id = ?'),
    deleteMessage: db.prepare('DELETE FROM messages WHERE message_id = ?'),
    deleteLog: db.prepare('DELETE FROM log WHERE relay_seq = ?'),
    deleteBoundBlobs: db.prepare('DELETE FROM blobs WHERE message_id = ?'),
    deleteUnbound: db.prepare('DELETE FROM blobs WHERE message_id IS NULL AND created_at < ?'),
  };

  return {
    async putBlobChunk(chunk) {
      ensureOpen();
      return write((): BlobChunkOutcome => {
        let row = q.get.get(chunk.blobId);
        if (!row) {
          q.create.run(chunk.blobId, chunk.patientId, chunk.uploaderDeviceId, chunk.at);
          row = q.get.get(chunk.blobId) as Row;
        }
        if (row.uploader_device_id !== chunk.uploaderDeviceId || row.patient_id !== chunk.patientId) return { kind: 'conflict', reason: 'owner' };
        const held = q.chunk.get(chunk.blobId, chunk.index);
        if (held) return sameBytes(held.bytes, chunk.bytes) ? { kind: 'duplicate', blob: toRecord(row) } : { kind: 'conflict', reason: 'bytes' };
        if (row.message_id !== null) return { kind: 'conflict', reason: 'bound' };
        const top = q.maxIndex.get(chunk.blobId)?.top ?? -1;
        if (row.chunk_count !== null && chunk.index >= row.chunk_count) return { kind: 'conflict', reason: 'past-end' };
        if (chunk.last && top > chunk.index) return { kind: 'conflict', reason: 'past-end' };
        q.insertChunk.run(chunk.blobId, chunk.index, bytesIn(chunk.bytes));
        q.counted.run(chunk.bytes.length, chunk.blobId);
        if (chunk.last) q.setCount.run(chunk.index + 1, chunk.blobId);
        return { kind: 'stored', blob: toRecord(q.get.get(chunk.blobId) as Row) };
      });
    },
    async getBlob(blobId) {
      ensureOpen();
      const row = q.get.get(blobId);
      return row ? toRecord(row) : null;
    },
    async blobPrefix(blobId) {
      ensureOpen();
      let next = 0;
      for (const { idx } of q.indices.iterate(blobId)) {
        if (idx !== next) break;
        next += 1;
      }
      return next;
    },
    async getBlobChunk(blobId, index) {
      ensureOpen();
      const row = q.chunk.get(blobId, index);
      return row ? new Uint8Array(row.bytes) : null;
    },
    async removeExpired({ messagesBefore, unboundBefore }) {
      ensureOpen();
      return write(() => {
        let blobs = 0;
        const expired = q.expiredMessages.all(messagesBefore);
        for (const m of expired) {
          const receipts = q.receiptSeqs.all(m.message_id);
          q.deleteReceipts.run(m.message_id);
          for (const r of receipts) q.deleteLog.run(r.relay_seq);
          q.deleteMessage.run(m.message_id);
          q.deleteLog.run(m.relay_seq);
          blobs += q.deleteBoundBlobs.run(m.message_id).changes;
        }
        blobs += q.deleteUnbound.run(unboundBefore).changes;
        return { messages: expired.length, blobs };
      });
    },
  };
}
