// Runs in main (Node): schema version 1, the local data model of a staff profile.
//
// Conventions: STRICT tables; times are INTEGER milliseconds since the Unix epoch (UTC);
// ids are TEXT from the protocol; keys, hashes and signatures are BLOBs of their exact
// length; JSON columns end in `_json` and are checked with json_valid. No foreign key
// deletes a clinical record: parents of clinical rows are ON DELETE RESTRICT, and only
// delivery bookkeeping (outbox) cascades.
import type { Migration } from '../migrations';

const id = (column: string) => `${column} TEXT NOT NULL CHECK (length(${column}) BETWEEN 1 AND 128)`;
const optionalId = (column: string) => `${column} TEXT CHECK (${column} IS NULL OR length(${column}) BETWEEN 1 AND 128)`;
const jsonObject = (column: string) => `json_valid(${column}) AND json_type(${column}) = 'object'`;

const tables = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Exactly one row: the clinic this profile belongs to and the policy it last received.
CREATE TABLE clinic (
  slot INTEGER PRIMARY KEY NOT NULL CHECK (slot = 1),
  ${id('id')},
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  root_key_fingerprint BLOB NOT NULL CHECK (length(root_key_fingerprint) = 32),
  policy_version INTEGER NOT NULL CHECK (policy_version >= 1),
  policy_json TEXT NOT NULL CHECK (${jsonObject('policy_json')}),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE staff (
  ${id('id')} PRIMARY KEY,
  display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  role TEXT NOT NULL CHECK (role IN ('clinician', 'front-desk', 'it-admin')),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'suspended', 'removed')),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE patients (
  ${id('id')} PRIMARY KEY,
  given_name TEXT NOT NULL CHECK (length(given_name) BETWEEN 1 AND 200),
  family_name TEXT NOT NULL CHECK (length(family_name) BETWEEN 1 AND 200),
  -- A calendar date, checked to exist (date() normalises 2021-02-30, so it would differ).
  date_of_birth TEXT NOT NULL CHECK (
    date_of_birth GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date(date_of_birth) IS date_of_birth
  ),
  contact_json TEXT NOT NULL CHECK (${jsonObject('contact_json')}),
  substitute_decision_maker_json TEXT CHECK (
    substitute_decision_maker_json IS NULL OR (${jsonObject('substitute_decision_maker_json')})
  ),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX patients_by_name ON patients (family_name COLLATE NOCASE, given_name COLLATE NOCASE);

-- A staff member's or a patient's device, as certified by the clinic.
CREATE TABLE devices (
  ${id('id')} PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
  staff_id TEXT REFERENCES staff (id) ON DELETE RESTRICT,
  patient_id TEXT REFERENCES patients (id) ON DELETE RESTRICT,
  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
  signing_public_key BLOB NOT NULL UNIQUE CHECK (length(signing_public_key) = 32),
  box_public_key BLOB NOT NULL CHECK (length(box_public_key) = 32),
  certificate BLOB NOT NULL CHECK (length(certificate) BETWEEN 1 AND 16384),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  CHECK ((kind = 'staff' AND staff_id IS NOT NULL AND patient_id IS NULL)
      OR (kind = 'patient' AND patient_id IS NOT NULL AND staff_id IS NULL)),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK (revoked_at IS NULL OR revoked_at >= created_at)
) STRICT;
CREATE INDEX devices_by_staff ON devices (staff_id);
CREATE INDEX devices_by_patient ON devices (patient_id);

-- Signed consent decisions. Never changed or removed: a new decision is a new row that
-- supersedes the previous one, so the history a clinician relied on stays provable.
CREATE TABLE consent_records (
  ${id('id')} PRIMARY KEY,
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE RESTRICT,
  version INTEGER NOT NULL CHECK (version >= 1),
  status TEXT NOT NULL CHECK (status IN ('granted', 'refused', 'withdrawn')),
  scopes_json TEXT NOT NULL CHECK (json_valid(scopes_json) AND json_type(scopes_json) = 'array'),
  text_version TEXT NOT NULL CHECK (length(text_version) BETWEEN 1 AND 64),
  text_hash BLOB NOT NULL CHECK (length(text_hash) = 32),
  signed_by_device TEXT NOT NULL REFERENCES devices (id) ON DELETE RESTRICT,
  signature BLOB NOT NULL CHECK (length(signature) = 64),
  created_at INTEGER NOT NULL,
  supersedes TEXT REFERENCES consent_records (id) ON DELETE RESTRICT,
  UNIQUE (patient_id, version),
  CHECK (supersedes IS NULL OR supersedes <> id)
) STRICT;
CREATE INDEX consent_records_by_device ON consent_records (signed_by_device);
-- A decision is superseded at most once: the history is a line, not a tree.
CREATE UNIQUE INDEX consent_records_by_supersedes ON consent_records (supersedes) WHERE supersedes IS NOT NULL;
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent records are immutable'); END;
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent records are immutable'); END;

-- awaiting_since is the oldest patient message after the last staff reply (NULL when
-- answered); awaiting_reply, inbox_tier and inbox_key are derived from it so they can
-- never disagree, and the inbox is one index range: (tier, key, id) ascending puts
-- waiting conversations first, longest wait first, then the rest by latest activity.
CREATE TABLE conversations (
  ${id('id')} PRIMARY KEY,
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE RESTRICT,
  subject TEXT NOT NULL CHECK (length(subject) <= 200),
  created_at INTEGER NOT NULL,
  last_message_at INTEGER,
  last_patient_message_at INTEGER,
  last_staff_reply_at INTEGER,
  awaiting_since INTEGER,
  awaiting_reply INTEGER NOT NULL GENERATED ALWAYS AS (awaiting_since IS NOT NULL) VIRTUAL,
  unread_count INTEGER NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  inbox_tier INTEGER NOT NULL GENERATED ALWAYS AS (CASE WHEN awaiting_since IS NULL THEN 1 ELSE 0 END) VIRTUAL,
  inbox_key INTEGER NOT NULL GENERATED ALWAYS AS (coalesce(awaiting_since, -coalesce(last_message_at, created_at))) VIRTUAL
) STRICT;
CREATE INDEX conversations_inbox ON conversations (archived, inbox_tier, inbox_key, id);
CREATE INDEX conversations_by_patient ON conversations (patient_id);

-- id is the protocol's idempotent message id. seq is the local, stable order: it is the
-- rowid alias, so VACUUM cannot renumber it under the full-text index that points at it.
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  ${id('id')} UNIQUE,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE RESTRICT,
  sender_kind TEXT NOT NULL CHECK (sender_kind IN ('patient', 'staff')),
  ${id('sender_id')},
  body TEXT NOT NULL CHECK (length(body) <= 65536),
  sent_at INTEGER NOT NULL,
  server_seq INTEGER CHECK (server_seq IS NULL OR server_seq >= 0),
  delivery_state TEXT NOT NULL CHECK (delivery_state IN ('draft', 'queued', 'sent', 'delivered', 'read', 'failed')),
  UNIQUE (conversation_id, server_seq)
) STRICT;
CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);

-- Delivery bookkeeping only, so it follows its message if a draft is discarded.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_error_code TEXT CHECK (last_error_code IS NULL OR length(last_error_code) BETWEEN 1 AND 64)
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at);

-- Append only, hash-chained: hash = BLAKE2b-256(prev_hash || canonical JSON of the event).
-- No foreign keys: the trail must outlive whatever it mentions.
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  at INTEGER NOT NULL,
  ${id('actor_id')},
  ${optionalId('device_id')},
  action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
  subject_type TEXT NOT NULL CHECK (length(subject_type) BETWEEN 1 AND 64),
  ${optionalId('subject_id')},
  details_json TEXT NOT NULL CHECK (${jsonObject('details_json')}),
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE INDEX audit_events_by_subject ON audit_events (subject_type, subject_id, seq);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
`;

/**
 * External-content FTS5 index over message bodies: it stores tokens, not a second copy of
 * each body, and the triggers keep it in step with every insert, edit and delete.
 * Accents are folded so "brule" finds "Brûlé".
 */
const search = `
CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
BEGIN INSERT INTO messages_fts (rowid, body) VALUES (new.seq, new.body); END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
BEGIN INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body); END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF seq, body ON messages
BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.seq, new.body);
END;
`;

export const initialSchema: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(tables);
    const fts5 = (db.prepare(`SELECT sqlite_compileoption_used('ENABLE_FTS5') AS used`).get() as { used: number }).used === 1;
    if (fts5) db.exec(search);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('search', ?)`).run(fts5 ? 'fts5' : 'none');
  },
};
