// Runs in a child Node process, for tests/integration/storage-crash-loop.test.ts only.
// Plain JavaScript so it starts with process.execPath and no loader.
//
// Usage: node crash-writer.mjs <db file> <key hex> <patient id> <id prefix>
//
// Writes messages into an existing device store (network.db, the file the inbox reads) in
// small transactions, forever, with the connection settings of openClientStore, and prints each message id on its own
// line only after its COMMIT has returned: every printed id is an acknowledged write.
import { writeSync } from 'node:fs';

import Database from 'better-sqlite3-multiple-ciphers';

const [file, keyHex, conversationId, prefix] = process.argv.slice(2);
if (!file || !/^[0-9a-f]{64}$/.test(keyHex ?? '') || !conversationId || !prefix) {
  writeSync(2, 'usage: crash-writer.mjs <db file> <key hex> <patient id> <id prefix>\n');
  process.exit(2);
}

const db = new Database(file, { fileMustExist: true });
db.pragma(`cipher='sqlcipher'`);
db.pragma('legacy=4');
db.pragma(`key="x'${keyHex}'"`);
// The same settings as applyConnectionSettings in src/main/storage/profile-database.ts,
// which openClientStore applies too.
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('fullfsync = ON');
db.pragma('checkpoint_fullfsync = ON');
db.pragma('foreign_keys = ON');
db.pragma('temp_store = MEMORY');

const insert = db.prepare(`
  INSERT INTO messages (message_id, conversation_id, patient_id, sender_device_id, outgoing, scope, body, sent_at, seq, relay_seq, state, failure, received_at, from_patient, read_at)
  VALUES (?, ?, ?, 'crash-writer', 0, 'patient', ?, ?, NULL, NULL, 'received', NULL, ?, 1, NULL)`);
const touch = db.prepare(`
  INSERT INTO conversations (patient_id, last_at, preview, last_from_patient, unread, waiting_since)
  VALUES (:patientId, :at, :preview, 1, 1, :at)
  ON CONFLICT (patient_id) DO UPDATE SET last_at = max(last_at, :at), preview = :preview, last_from_patient = 1,
    unread = unread + 1, waiting_since = coalesce(waiting_since, :at)`);
const write = db.transaction((id, body, at) => {
  insert.run(id, conversationId, conversationId, body, at, at);
  touch.run({ patientId: conversationId, at, preview: body.slice(0, 40) });
});

writeSync(1, 'ready\n');
for (let n = 0; ; n += 1) {
  const id = `${prefix}-${n}`;
  // Mostly short bodies, now and then one that spills onto overflow pages.
  const body = n % 7 === 0 ? `long ${n} ${'lorem ipsum '.repeat(600)}` : `message ${n} ${'x'.repeat(n % 300)}`;
  write(id, body, Date.now());
  writeSync(1, `${id}\n`);
}
