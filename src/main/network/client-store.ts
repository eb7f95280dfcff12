// Runs in main (Node): what a device keeps about the clinic network, in its own encrypted
// SQLite file (whole-file encryption with a 32-byte key the caller derives from the profile
// key). It holds the device's secret keys, the pinned clinic root, the verified directory,
// the records keys, the outbox, received and sent messages, receipts and the sync cursor.
// Every write that must survive a crash is one transaction with `synchronous = FULL`.
import { nextState } from '../../shared/protocol/delivery';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { applyConnectionSettings } from '../storage/profile-database';
import { type EncryptedDatabase, openEncrypted } from '../storage/open-encrypted';
import { type ClientMessage, type ClientStore, type ConversationSummary, type MessageState, type OutboxItem, type PendingSend } from './client-store-contract';
import { CLIENT_STORE_SCHEMA, migrateClientStore } from './client-store-schema';
import { INBOX_STATE_SCHEMA, inboxStateOn } from '../inbox/inbox-state';
import { NOTICE_STATE_SCHEMA, noticeStateOn } from './notice-state';
import { TEAM_STATE_SCHEMA, teamStateOn } from './team-state';
import { ATTACHMENT_STATE_SCHEMA, attachmentStateOn } from './attachment-state';

export type { ClientMessage, ClientStore, ConversationSummary, MessageState, OutboxItem, PendingSend };


type MessageRow = {
  message_id: string;
  conversation_id: string;
  patient_id: string;
  sender_device_id: string;
  outgoing: number;
  scope: string;
  body: string;
  sent_at: number;
  seq: number | null;
  relay_seq: number | null;
  state: MessageState;
  failure: string | null;
  from_patient: number;
  read_at: number | null;
  urgent: number;
  out_of_hours_json: string | null;
};
const toMessage = (r: MessageRow): ClientMessage => ({
  messageId: r.message_id,
  conversationId: r.conversation_id,
  patientId: r.patient_id,
  senderDeviceId: r.sender_device_id,
  outgoing: r.outgoing === 1,
  scope: r.scope,
  body: r.body,
  sentAt: r.sent_at,
  seq: r.seq,
  relaySeq: r.relay_seq,
  state: r.state,
  failure: r.failure,
  fromPatient: r.from_patient === 1,
  readAt: r.read_at,
  urgent: r.urgent === 1,
  outOfHours: r.out_of_hours_json === null ? null : (JSON.parse(r.out_of_hours_json) as ClientMessage['outOfHours']),
});



export function openClientStore(file: string, key: Uint8Array): ClientStore {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = openEncrypted(file, key);
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    db.close();
    throw error;
  }
  return clientStoreOn(db, `${file}.files`);
}

/**
 * The store over a connection already open (and keyed): settings, layout, upgrades. The app
 * only reaches it through openClientStore; the benchmark also gives it a plain SQLite file,
 * as the baseline measured in the same run.
 */
export function clientStoreOn(db: EncryptedDatabase, filesDir: string): ClientStore {
  try {
    applyConnectionSettings(db);
    db.exec(CLIENT_STORE_SCHEMA);
    db.exec(INBOX_STATE_SCHEMA);
    db.exec(TEAM_STATE_SCHEMA);
    db.exec(NOTICE_STATE_SCHEMA);
    db.exec(ATTACHMENT_STATE_SCHEMA);
    migrateClientStore(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return wrap(db, filesDir);
}

function wrap(db: EncryptedDatabase, filesDir: string): ClientStore {
  const getKv = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
  const putKv = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const insertMessage = db.prepare(
    `INSERT INTO messages (message_id, conversation_id, patient_id, sender_device_id, outgoing, scope, body, sent_at, seq, relay_seq, state, failure, received_at, from_patient, read_at, urgent, out_of_hours_json)
     VALUES (@messageId, @conversationId, @patientId, @senderDeviceId, @outgoing, @scope, @body, @sentAt, @seq, @relaySeq, @state, NULL, @receivedAt, @fromPatient, NULL, @urgent, @outOfHoursJson)
     ON CONFLICT (message_id) DO NOTHING`,
  );
  const inbox = inboxStateOn(db);
  const team = teamStateOn(db);
  const notices = noticeStateOn(db);
  const attachments = attachmentStateOn(db, filesDir);
  const insertOutbox = db.prepare('INSERT INTO outbox (id, kind, payload_json, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');

  const store: ClientStore = {
    inbox,
    team,
    notices,
    attachments,
    get<T>(key: string): T | null {
      const row = getKv.get(key);
      return row ? (JSON.parse(row.value) as T) : null;
    },
    put(key: string, value: unknown): void {
      putKv.run(key, JSON.stringify(value));
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },

    putRecordsKey(epoch: number, publicKey: Uint8Array, secretKey: Uint8Array): void {
      db.prepare('INSERT INTO records_keys (epoch, public_key, secret_key) VALUES (?, ?, ?) ON CONFLICT (epoch) DO NOTHING').run(epoch, Buffer.from(publicKey), Buffer.from(secretKey));
    },
    recordsKey(epoch: number): { publicKey: Uint8Array; privateKey: Uint8Array } | null {
      const row = db.prepare<[number], { public_key: Buffer; secret_key: Buffer }>('SELECT public_key, secret_key FROM records_keys WHERE epoch = ?').get(epoch);
      return row ? { publicKey: new Uint8Array(row.public_key), privateKey: new Uint8Array(row.secret_key) } : null;
    },
    latestRecordsEpoch(): number | null {
      const row = db.prepare<[], { epoch: number | null }>('SELECT max(epoch) AS epoch FROM records_keys').get();
      return row?.epoch ?? null;
    },

    /**
     * Stores a message once (by id), its conversation summary and, for an outgoing one, its
     * outbox entry, atomically.
     */
    addMessage(message: Omit<ClientMessage, 'failure' | 'readAt'>, now: number, outboxPayload?: string): boolean {
      return db
        .transaction(() => {
          const inserted = insertMessage.run({ ...message, outgoing: message.outgoing ? 1 : 0, fromPatient: message.fromPatient ? 1 : 0, urgent: message.urgent ? 1 : 0, outOfHoursJson: message.outOfHours ? JSON.stringify(message.outOfHours) : null, receivedAt: now }).changes === 1;
          if (!inserted) return false;
          inbox.summarise(message);
          if (outboxPayload !== undefined) insertOutbox.run(message.messageId, 'message', outboxPayload, now, now);
          return true;
        })
        .immediate();
    },

    newestPatientMessageAt(conversationId: string): number | null {
      return db.prepare<[string], { at: number | null }>('SELECT max(sent_at) AS at FROM messages WHERE conversation_id = ? AND from_patient = 1').get(conversationId)?.at ?? null;
    },
    /** Conversations with a message containing `text` (case-insensitive for ASCII). */
    conversationsMentioning(text: string): Set<string> {
      const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      return new Set(
        db
          .prepare<[string], { conversation_id: string }>("SELECT DISTINCT conversation_id FROM messages WHERE body LIKE ? ESCAPE '\\'")
          .all(pattern)
          .map((r) => r.conversation_id),
      );
    },
    /** A page of a conversation, newest last: up to `limit` messages older than `before`. */
    messagePage(conversationId: string, limit: number, before?: string): { messages: ClientMessage[]; hasMore: boolean } {
      const order = 'coalesce(seq, 1e15) DESC, sent_at DESC, message_id DESC';
      const rows = before
        ? db
            .prepare<[string, string, number], MessageRow>(
              `SELECT * FROM messages WHERE conversation_id = ? AND (coalesce(seq, 1e15), sent_at, message_id) <
                 (SELECT coalesce(seq, 1e15), sent_at, message_id FROM messages WHERE message_id = ?) ORDER BY ${order} LIMIT ?`,
            )
            .all(conversationId, before, limit + 1)
        : db.prepare<[string, number], MessageRow>(`SELECT * FROM messages WHERE conversation_id = ? ORDER BY ${order} LIMIT ?`).all(conversationId, limit + 1);
      const hasMore = rows.length > limit;
      return { messages: rows.slice(0, limit).reverse().map(toMessage), hasMore };
    },

    /** Records a message this device wrote that never left it (refused before sealing). */
    addFailed(message: { messageId: string; patientId: string; senderDeviceId: string; body: string; sentAt: number; failure: string }, now: number): void {
      db.transaction(() => {
        const inserted = insertMessage.run({
          messageId: message.messageId,
          conversationId: message.patientId,
          patientId: message.patientId,
          senderDeviceId: message.senderDeviceId,
          outgoing: 1,
          scope: 'clinical',
          body: message.body,
          sentAt: message.sentAt,
          seq: null,
          relaySeq: null,
          state: 'failed',
          receivedAt: now,
          fromPatient: 0,
          urgent: 0,
          outOfHoursJson: null,
        }).changes;
        if (inserted === 1) db.prepare('UPDATE messages SET failure = ? WHERE message_id = ?').run(message.failure, message.messageId);
      }).immediate();
    },
    /** Forgets a failed message (it never reached the relay), before it is written again. */
    removeFailed(messageId: string): ClientMessage | null {
      const row = db.prepare<[string], MessageRow>("DELETE FROM messages WHERE message_id = ? AND state = 'failed' RETURNING *").get(messageId);
      return row ? toMessage(row) : null;
    },

    putCard(patientId: string, sentAt: number, cardJson: string): boolean {
      return (
        db
          .prepare(
            `INSERT INTO patient_cards (patient_id, sent_at, card_json) VALUES (?, ?, ?)
             ON CONFLICT (patient_id) DO UPDATE SET sent_at = excluded.sent_at, card_json = excluded.card_json WHERE excluded.sent_at > patient_cards.sent_at`,
          )
          .run(patientId, sentAt, cardJson).changes === 1
      );
    },
    cards(): Map<string, string> {
      return new Map(db.prepare<[], { patient_id: string; card_json: string }>('SELECT patient_id, card_json FROM patient_cards').all().map((r) => [r.patient_id, r.card_json]));
    },

    hasMessage(messageId: string): boolean {
      return db.prepare('SELECT 1 FROM messages WHERE message_id = ?').get(messageId) !== undefined;
    },
    message(messageId: string): ClientMessage | null {
      const row = db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE message_id = ?').get(messageId);
      return row ? toMessage(row) : null;
    },
    /** Moves a message's state forward only (a late "delivered" never undoes "read"). */
    advanceState(messageId: string, state: MessageState, fields: { seq?: number; relaySeq?: number; failure?: string } = {}): void {
      const row = db.prepare<[string], { state: MessageState }>('SELECT state FROM messages WHERE message_id = ?').get(messageId);
      if (!row) return;
      const next = nextState(row.state, state);
      db.prepare('UPDATE messages SET state = ?, seq = coalesce(?, seq), relay_seq = coalesce(?, relay_seq), failure = ? WHERE message_id = ?').run(
        next,
        fields.seq ?? null,
        fields.relaySeq ?? null,
        state === 'failed' ? (fields.failure ?? null) : null,
        messageId,
      );
    },
    messages(conversationId?: string): ClientMessage[] {
      const rows = conversationId
        ? db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE conversation_id = ? ORDER BY coalesce(seq, 1e15), sent_at').all(conversationId)
        : db.prepare<[], MessageRow>('SELECT * FROM messages ORDER BY conversation_id, coalesce(seq, 1e15), sent_at').all();
      return rows.map(toMessage);
    },

    addReceipt(messageId: string, deviceId: string, kind: 'delivered' | 'read', at: number): void {
      db.prepare('INSERT INTO receipts (message_id, device_id, kind, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(messageId, deviceId, kind, at);
    },
    receipts(messageId: string): { deviceId: string; kind: 'delivered' | 'read'; at: number }[] {
      return db
        .prepare<[string], { device_id: string; kind: 'delivered' | 'read'; at: number }>('SELECT device_id, kind, at FROM receipts WHERE message_id = ? ORDER BY at')
        .all(messageId)
        .map((r) => ({ deviceId: r.device_id, kind: r.kind, at: r.at }));
    },

    enqueue(id: string, kind: 'message' | 'receipt', payloadJson: string, now: number): void {
      insertOutbox.run(id, kind, payloadJson, now, now);
    },
    /**
     * The queue, oldest first, once any entry is due: one device's messages leave in the order
     * they were written, so the whole queue waits on the earliest retry time.
     */
    dueOutbox(now: number, limit = 100): OutboxItem[] {
      const next = store.nextOutboxAttempt();
      if (next === null || next > now) return [];
      return db
        .prepare<[number], { id: string; kind: 'message' | 'receipt'; payload_json: string; attempts: number; next_attempt_at: number; last_error: string | null }>(
          'SELECT * FROM outbox ORDER BY rowid LIMIT ?',
        )
        .all(limit)
        .map((r) => ({ id: r.id, kind: r.kind, payloadJson: r.payload_json, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error }));
    },
    outboxSize(): number {
      return (db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0);
    },
    nextOutboxAttempt(): number | null {
      return db.prepare<[], { at: number | null }>('SELECT min(next_attempt_at) AS at FROM outbox').get()?.at ?? null;
    },
    removeOutbox(id: string): void {
      db.prepare('DELETE FROM outbox WHERE id = ?').run(id);
    },
    replaceOutboxPayload(id: string, payloadJson: string): void {
      db.prepare('UPDATE outbox SET payload_json = ? WHERE id = ?').run(payloadJson, id);
    },
    deferOutbox(id: string, nextAttemptAt: number, error: string): void {
      db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?').run(nextAttemptAt, error, id);
    },

    close(): void {
      if (db.open) db.close();
    },
  };
  return store;
}
