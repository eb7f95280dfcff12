// Runs in a child Node process, for tests/integration/storage-crash-loop.test.ts only.
// Plain JavaScript so it starts with process.execPath and no loader.
//
// Usage: node crash-writer.mjs <db file> <key hex> <conversation id> <id prefix>
//
// Writes messages into an existing profile database in small transactions, forever, with
// the connection settings of openProfileDatabase, and prints each message id on its own
// line only after its COMMIT has returned: every printed id is an acknowledged write.
import { writeSync } from 'node:fs';

import Database from 'better-sqlite3-multiple-ciphers';

const [file, keyHex, conversationId, prefix] = process.argv.slice(2);
if (!file || !/^[0-9a-f]{64}$/.test(keyHex ?? '') || !conversationId || !prefix) {
  writeSync(2, 'usage: crash-writer.mjs <db file> <key hex> <conversation id> <id prefix>\n');
  process.exit(2);
}

const db = new Database(file, { fileMustExist: true });
db.pragma(`cipher='sqlcipher'`);
db.pragma('legacy=4');
db.pragma(`key="x'${keyHex}'"`);
// The same settings as applyConnectionSettings in src/main/storage/profile-database.ts.
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('fullfsync = ON');
db.pragma('checkpoint_fullfsync = ON');
db.pragma('foreign_keys = ON');
db.pragma('temp_store = MEMORY');

const insert = db.prepare(`
  INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, delivery_state)
  VALUES (?, ?, 'patient', 'crash-writer', ?, ?, 'delivered')`);
const touch = db.prepare(`
  UPDATE conversations SET last_message_at = max(coalesce(last_message_at, :at), :at), unread_count = unread_count + 1
  WHERE id = :conversationId`);
const write = db.transaction((id, body, at) => {
  insert.run(id, conversationId, body, at);
  touch.run({ at, conversationId });
});

writeSync(1, 'ready\n');
for (let n = 0; ; n += 1) {
  const id = `${prefix}-${n}`;
  // Mostly short bodies, now and then one that spills onto overflow pages.
  const body = n % 7 === 0 ? `long ${n} ${'lorem ipsum '.repeat(600)}` : `message ${n} ${'x'.repeat(n % 300)}`;
  write(id, body, Date.now());
  writeSync(1, `${id}\n`);
}
