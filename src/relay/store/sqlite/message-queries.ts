// Messages and receipts. Every message and every receipt first takes a row in `log`, whose
// INTEGER PRIMARY KEY (AUTOINCREMENT: never reused, even across restarts) is its relaySeq;
// the message or receipt row uses that same number as its own primary key, in the same
// transaction. `syncSince` is then one range scan of `log` (or of `log(patient_id,
// relay_seq)` for a patient), joined by primary key to the message or the receipt.
import { StoreConflictError, type AppendOutcome, type NewMessage, type NewReceipt, type RelayStore, type StoredMessage, type StoredReceipt } from '../relay-store';
import { type Connection } from './connection';
import { type MessageRow, type SyncRow, bytesIn, messageOf, sameBytes, syncItemOf } from './rows';

type MessageStore = Pick<RelayStore, 'appendMessage' | 'getMessage' | 'putReceipt' | 'syncSince'>;

/**
 * The two sync queries, exported so a test can check their plans. Each is one range scan
 * of an index in relay_seq order, then primary-key lookups.
 */
export const syncQueries = {
  all: `${syncSelect()} WHERE l.relay_seq > ? ORDER BY l.relay_seq LIMIT ?`,
  patient: `${syncSelect()} WHERE l.patient_id = ? AND l.relay_seq > ? ORDER BY l.relay_seq LIMIT ?`,
} as const;

function syncSelect(): string {
  return `SELECT l.relay_seq AS relay_seq, l.kind AS log_kind,
      m.message_id AS m_message_id, m.conversation_id AS m_conversation_id, m.seq AS m_seq,
      m.patient_id AS m_patient_id, m.sender_device_id AS m_sender_device_id,
      m.envelope_json AS m_envelope_json, m.digest AS m_digest, m.received_at AS m_received_at,
      r.message_id AS r_message_id, r.conversation_id AS r_conversation_id, r.patient_id AS r_patient_id,
      r.device_id AS r_device_id, r.kind AS r_kind, r.at AS r_at
    FROM log AS l
    LEFT JOIN messages AS m ON m.relay_seq = l.relay_seq
    LEFT JOIN receipts AS r ON r.relay_seq = l.relay_seq`;
}

export function messageQueries({ db, now, write, ensureOpen }: Connection): MessageStore {
  const q = {
    insertLog: db.prepare('INSERT INTO log (kind, patient_id, logged_at) VALUES (?, ?, ?)'),
    getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE message_id = ?'),
    nextSeq: db.prepare<[string], { next: number }>(
      'SELECT coalesce(max(seq), 0) + 1 AS next FROM messages WHERE conversation_id = ?',
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (relay_seq, message_id, conversation_id, seq, patient_id, sender_device_id, envelope_json, digest, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    receiptExists: db.prepare<[string, string, string], { found: number }>(
      'SELECT 1 AS found FROM receipts WHERE message_id = ? AND device_id = ? AND kind = ?',
    ),
    insertReceipt: db.prepare(
      'INSERT INTO receipts (relay_seq, message_id, conversation_id, patient_id, device_id, kind, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    bindBlob: db.prepare('UPDATE blobs SET message_id = ? WHERE blob_id = ? AND message_id IS NULL AND chunk_count IS NOT NULL AND stored_chunks = chunk_count'),
    syncAll: db.prepare<[number, number], SyncRow>(syncQueries.all),
    syncPatient: db.prepare<[string, number, number], SyncRow>(syncQueries.patient),
  };

  const appendLog = (kind: 'message' | 'receipt', patientId: string): number => Number(q.insertLog.run(kind, patientId, now()).lastInsertRowid);

  return {
    async appendMessage(message: NewMessage): Promise<AppendOutcome> {
      ensureOpen();
      return write((): AppendOutcome => {
        const existing = q.getMessage.get(message.messageId);
        if (existing) {
          return sameBytes(existing.digest, message.digest) ? { kind: 'duplicate', message: messageOf(existing) } : { kind: 'conflict' };
        }
        const seq = q.nextSeq.get(message.conversationId)?.next ?? 1;
        const relaySeq = appendLog('message', message.patientId);
        q.insertMessage.run(
          relaySeq,
          message.messageId,
          message.conversationId,
          seq,
          message.patientId,
          message.senderDeviceId,
          message.envelopeJson,
          bytesIn(message.digest),
          message.receivedAt,
        );
        for (const blobId of message.blobIds ?? []) {
          // The caller checked each blob; a blob taken or changed meanwhile undoes the message.
          if (q.bindBlob.run(message.messageId, blobId).changes !== 1) throw new StoreConflictError('An attachment of this message is not complete or belongs to another message.');
        }
        const stored: StoredMessage = {
          messageId: message.messageId,
          conversationId: message.conversationId,
          patientId: message.patientId,
          senderDeviceId: message.senderDeviceId,
          envelopeJson: message.envelopeJson,
          digest: new Uint8Array(message.digest),
          receivedAt: message.receivedAt,
          seq,
          relaySeq,
        };
        return { kind: 'stored', message: stored };
      });
    },
    async getMessage(messageId: string) {
      ensureOpen();
      const row = q.getMessage.get(messageId);
      return row ? messageOf(row) : null;
    },
    async putReceipt(receipt: NewReceipt): Promise<StoredReceipt | null> {
      ensureOpen();
      return write(() => {
        if (q.receiptExists.get(receipt.messageId, receipt.deviceId, receipt.kind)) return null;
        const relaySeq = appendLog('receipt', receipt.patientId);
        q.insertReceipt.run(relaySeq, receipt.messageId, receipt.conversationId, receipt.patientId, receipt.deviceId, receipt.kind, receipt.at);
        return {
          messageId: receipt.messageId,
          conversationId: receipt.conversationId,
          patientId: receipt.patientId,
          deviceId: receipt.deviceId,
          kind: receipt.kind,
          at: receipt.at,
          relaySeq,
        };
      });
    },
    async syncSince(after: number, limit: number, patientId?: string) {
      ensureOpen();
      // SQLite reads a negative LIMIT as "no limit".
      if (!(limit >= 1)) return [];
      const take = Math.floor(limit);
      const rows = patientId === undefined ? q.syncAll.all(after, take) : q.syncPatient.all(patientId, after, take);
      return rows.map(syncItemOf);
    },
  };
}
