// Runs in main (Node): the layout of a device's client store file, and its upgrades. The
// inbox's own tables (summaries, drafts, pending sends) are in src/main/inbox/inbox-state.ts.
import { preview } from '../inbox/inbox-state';
import { type EncryptedDatabase } from '../storage/open-encrypted';

export const CLIENT_STORE_SCHEMA = `
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
CREATE TABLE IF NOT EXISTS patient_cards (
  patient_id TEXT PRIMARY KEY NOT NULL,
  sent_at INTEGER NOT NULL,
  card_json TEXT NOT NULL CHECK (json_valid(card_json))
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receipts (
  message_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
  at INTEGER NOT NULL,
  PRIMARY KEY (message_id, device_id, kind)
) STRICT, WITHOUT ROWID;
`;

/**
 * Version 2 of this file: who wrote each message (patient or clinic), when this device read
 * it, and one summary row per conversation kept in the same transaction as each message,
 * so the inbox never scans every message. A version 1 file is brought up to date in place.
 */
export function migrateClientStore(db: EncryptedDatabase): void {
  migrateToVersion2(db);
  migrateToVersion3(db);
}

/**
 * Version 3: the urgent mark of a patient's message and the out-of-hours notice its portal
 * showed, and in each conversation's summary the first urgent message still waiting for an
 * answer. Messages stored before carry neither.
 */
function migrateToVersion3(db: EncryptedDatabase): void {
  if ((db.pragma('user_version', { simple: true }) as number) >= 3) return;
  db.transaction(() => {
    const has = (table: string, column: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === column);
    if (!has('messages', 'urgent')) db.exec('ALTER TABLE messages ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1))');
    if (!has('messages', 'out_of_hours_json')) db.exec('ALTER TABLE messages ADD COLUMN out_of_hours_json TEXT CHECK (out_of_hours_json IS NULL OR json_valid(out_of_hours_json))');
    if (!has('conversations', 'urgent_since')) db.exec('ALTER TABLE conversations ADD COLUMN urgent_since INTEGER');
    db.pragma('user_version = 3');
  }).immediate();
}

function migrateToVersion2(db: EncryptedDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= 2) return;
  db.transaction(() => {
    const columns = new Set((db.prepare('PRAGMA table_info(messages)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('from_patient')) db.exec('ALTER TABLE messages ADD COLUMN from_patient INTEGER NOT NULL DEFAULT 0 CHECK (from_patient IN (0, 1))');
    if (!columns.has('read_at')) db.exec('ALTER TABLE messages ADD COLUMN read_at INTEGER');
    db.exec('CREATE INDEX IF NOT EXISTS messages_unread ON messages (conversation_id) WHERE from_patient = 1 AND read_at IS NULL');
    // Messages written before version 2: a message not sent by a staff device of this file
    // cannot be told apart any more, so they count as read and answered.
    db.exec('UPDATE messages SET read_at = received_at WHERE read_at IS NULL');
    db.exec('DELETE FROM conversations');
    const last = db.prepare<[], { conversation_id: string; sent_at: number; body: string; from_patient: number }>(
      `SELECT conversation_id, sent_at, body, from_patient FROM messages AS m
       WHERE rowid = (SELECT rowid FROM messages WHERE conversation_id = m.conversation_id ORDER BY sent_at DESC LIMIT 1)`,
    );
    const insert = db.prepare('INSERT INTO conversations (patient_id, last_at, preview, last_from_patient, unread, waiting_since) VALUES (?, ?, ?, ?, 0, NULL)');
    for (const row of last.all()) insert.run(row.conversation_id, row.sent_at, preview(row.body), row.from_patient);
    db.pragma('user_version = 2');
  }).immediate();
}

