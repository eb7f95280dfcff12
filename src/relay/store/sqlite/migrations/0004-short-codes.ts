// Relay store migration 4: short codes (ADR 15). Under each lookup id, the bundle that the
// short code opens (ciphertext and public values only), and the count of failed proofs.
// Shipped migrations are never edited: fix forward with a new one.
import { type Migration } from './migration';

export const migration0004: Migration = {
  version: 4,
  name: 'short-codes',
  up(db) {
    db.exec(`
      CREATE TABLE short_codes (
        lookup_id TEXT PRIMARY KEY NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('invite', 'enrollment')),
        target_id TEXT NOT NULL,
        bundle_json TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        refused_at INTEGER
      ) STRICT;
    `);
  },
};
