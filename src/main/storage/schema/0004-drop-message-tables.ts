// Runs in main (Node): schema version 4. Messages live in one place only, the device's
// network store (`network.db`, src/main/network/client-store.ts), which the delivery path
// writes. The message tables of version 1 (conversations, messages, their full-text index
// and an outbox) were never written by the app, only by the seed and benchmark tools, so
// they go: a second copy of the inbox would drift from the first.
import type { Migration } from '../migrations';

export const dropMessageTablesSchema: Migration = {
  version: 4,
  name: 'drop-message-tables',
  up(db) {
    db.exec(`
DROP TRIGGER IF EXISTS messages_fts_insert;
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TRIGGER IF EXISTS messages_fts_update;
DROP TABLE IF EXISTS messages_fts;
DROP TABLE IF EXISTS outbox;
DROP TABLE IF EXISTS messages;
DROP TABLE IF EXISTS conversations;
DELETE FROM meta WHERE key = 'search';
`);
  },
};
