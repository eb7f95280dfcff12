// Relay store migration 1: the clinic binding, policies, devices, invites, enrollments, consents, records key epochs, and the log of messages and receipts.
// Shipped migrations are never edited: fix forward with a new one.
import { type Migration } from './migration';

export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE clinic (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        clinic_id TEXT NOT NULL,
        root_public_key BLOB NOT NULL,
        bound_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE policies (
        version INTEGER PRIMARY KEY,
        policy_json TEXT NOT NULL,
        stored_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE devices (
        device_id TEXT NOT NULL PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
        role TEXT,
        staff_id TEXT,
        patient_id TEXT,
        signing_key BLOB NOT NULL UNIQUE,
        box_key BLOB NOT NULL,
        proof_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revocation_json TEXT,
        CHECK ((revoked_at IS NULL) = (revocation_json IS NULL))
      ) STRICT;
      CREATE INDEX devices_by_created ON devices (created_at);

      CREATE TABLE invites (
        invite_id TEXT NOT NULL PRIMARY KEY,
        invite_json TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        redemption_json TEXT,
        redeemed_at INTEGER,
        device_id TEXT,
        certified_at INTEGER,
        CHECK ((redeemed_at IS NULL) = (redemption_json IS NULL) AND (redeemed_at IS NULL) = (device_id IS NULL)),
        CHECK (certified_at IS NULL OR redeemed_at IS NOT NULL)
      ) STRICT;
      CREATE INDEX invites_awaiting_certificate ON invites (redeemed_at)
        WHERE redeemed_at IS NOT NULL AND certified_at IS NULL;

      CREATE TABLE enrollments (
        enrollment_id TEXT NOT NULL PRIMARY KEY,
        patient_id TEXT NOT NULL,
        record_json TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        redeemed_at INTEGER,
        device_id TEXT REFERENCES devices (device_id) ON DELETE RESTRICT,
        CHECK ((redeemed_at IS NULL) = (device_id IS NULL))
      ) STRICT;

      CREATE TABLE consents (
        patient_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        status_json TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        PRIMARY KEY (patient_id, version)
      ) STRICT;

      CREATE TABLE records_epochs (
        epoch INTEGER PRIMARY KEY CHECK (epoch >= 0),
        epoch_json TEXT NOT NULL,
        stored_at INTEGER NOT NULL
      ) STRICT;

      -- The global sequence: one row per message or receipt; relay_seq is the sync cursor.
      CREATE TABLE log (
        relay_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'receipt')),
        patient_id TEXT NOT NULL,
        logged_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX log_by_patient ON log (patient_id, relay_seq);

      CREATE TABLE messages (
        relay_seq INTEGER PRIMARY KEY REFERENCES log (relay_seq) ON DELETE RESTRICT,
        message_id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        patient_id TEXT NOT NULL,
        sender_device_id TEXT NOT NULL,
        envelope_json TEXT NOT NULL,
        digest BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        UNIQUE (conversation_id, seq)
      ) STRICT;

      CREATE TABLE receipts (
        relay_seq INTEGER PRIMARY KEY REFERENCES log (relay_seq) ON DELETE RESTRICT,
        message_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
        at INTEGER NOT NULL,
        UNIQUE (message_id, device_id, kind)
      ) STRICT;
    `);
  },
};
