// Relay store migration 8: the clinic-wide audit trail (ADR 20). Batches of audit events
// sealed to the IT admins, kept unread, one per leaf of an append-only Merkle log whose
// checkpoints the relay signs with its own log key. Shipped migrations are never edited.
import { type Migration } from './migration';

export const migration0008: Migration = {
  version: 8,
  name: 'audit-log',
  up(db) {
    db.exec(`
      CREATE TABLE audit_log_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key BLOB NOT NULL,
        secret_key BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE audit_batches (
        leaf_index INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL,
        leaf_hash BLOB NOT NULL,
        batch_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (device_id, to_seq)
      ) STRICT;
    `);
  },
};
