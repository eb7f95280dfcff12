// Runs in main (Node): what a device keeps about the clinic network, in its own encrypted
// SQLite file (whole-file encryption with a 32-byte key the caller derives from the profile
// key). It holds the device's secret keys, the pinned clinic root, the verified directory,
// the records keys, the outbox, received and sent messages, receipts and the sync cursor.
// Every write that must survive a crash is one transaction with `synchronous = FULL`.
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { applyConnectionSettings } from '../storage/profile-database';
import { type EncryptedDatabase, openEncrypted } from '../storage/open-encrypted';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records_keys (
  epoch INTEGER PRIMARY KEY NOT NULL CHECK (epoch >= 0),
  public_key BLOB NOT NULL CHECK (length(public_key) = 32),
  secret_key BLOB NOT NULL CHECK (length(secret_key) = 32)
) STRICT;
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('message', 'receipt')),
  payload_json TEXT NOT NULL CHECK (json_valid(payload_json)),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at);
CREATE TABLE IF NOT EXISTS messages (
  message_id TEXT PRIMARY KEY NOT NULL,
  conversation_id TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  sender_device_id TEXT NOT NULL,
  outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
  scope TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  seq INTEGER,
  relay_seq INTEGER,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'read', 'failed', 'received')),
  failure TEXT,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, seq);
CREATE TABLE IF NOT EXISTS receipts (
  message_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
  at INTEGER NOT NULL,
  PRIMARY KEY (message_id, device_id, kind)
) STRICT, WITHOUT ROWID;
`;

export type MessageState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

export type ClientMessage = {
  readonly messageId: string;
  readonly conversationId: string;
  readonly patientId: string;
  readonly senderDeviceId: string;
  readonly outgoing: boolean;
  readonly scope: string;
  readonly body: string;
  readonly sentAt: number;
  readonly seq: number | null;
  readonly relaySeq: number | null;
  readonly state: MessageState;
  /** For a failed message: the relay's or the app's reason, in plain words. */
  readonly failure: string | null;
};

export type OutboxItem = {
  readonly id: string;
  readonly kind: 'message' | 'receipt';
  readonly payloadJson: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
};

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
});

const STATE_RANK: Record<MessageState, number> = { failed: 0, queued: 1, sent: 2, delivered: 3, read: 4, received: 5 };

export type ClientStore = ReturnType<typeof wrap>;

export function openClientStore(file: string, key: Uint8Array): ClientStore {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = openEncrypted(file, key);
  try {
    chmodSync(file, 0o600);
    applyConnectionSettings(db);
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }
  return wrap(db);
}

function wrap(db: EncryptedDatabase) {
  const getKv = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
  const putKv = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const insertMessage = db.prepare(
    `INSERT INTO messages (message_id, conversation_id, patient_id, sender_device_id, outgoing, scope, body, sent_at, seq, relay_seq, state, failure, received_at)
     VALUES (@messageId, @conversationId, @patientId, @senderDeviceId, @outgoing, @scope, @body, @sentAt, @seq, @relaySeq, @state, NULL, @receivedAt)
     ON CONFLICT (message_id) DO NOTHING`,
  );
  const insertOutbox = db.prepare('INSERT INTO outbox (id, kind, payload_json, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');

  const store = {
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

    /** Stores a message once (by id) and, for an outgoing one, its outbox entry, atomically. */
    addMessage(message: Omit<ClientMessage, 'failure'>, now: number, outboxPayload?: string): boolean {
      return db
        .transaction(() => {
          const inserted = insertMessage.run({ ...message, outgoing: message.outgoing ? 1 : 0, receivedAt: now }).changes === 1;
          if (inserted && outboxPayload !== undefined) insertOutbox.run(message.messageId, 'message', outboxPayload, now, now);
          return inserted;
        })
        .immediate();
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
      const next = state === 'failed' || STATE_RANK[state] > STATE_RANK[row.state] ? state : row.state;
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
