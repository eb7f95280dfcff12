import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { randomBytes } from '../../crypto/sodium';
import { migrate } from '../migrations';
import { type EncryptedDatabase, openEncrypted } from '../open-encrypted';
import { describeSchema } from '../schema-snapshot';
import { migrations } from './index';

/** What migration 1 must produce, column by column. A change here is a schema change: it needs a new migration. */
const expectedV1 = {
  userVersion: 1,
  tables: {
    audit_events: [
      'seq INTEGER PK',
      'at INTEGER NOT NULL',
      'actor_id TEXT NOT NULL',
      'device_id TEXT',
      'action TEXT NOT NULL',
      'subject_type TEXT NOT NULL',
      'subject_id TEXT',
      'details_json TEXT NOT NULL',
      'prev_hash BLOB NOT NULL',
      'hash BLOB NOT NULL',
    ],
    clinic: [
      'slot INTEGER NOT NULL PK',
      'id TEXT NOT NULL',
      'name TEXT NOT NULL',
      'root_key_fingerprint BLOB NOT NULL',
      'policy_version INTEGER NOT NULL',
      'policy_json TEXT NOT NULL',
      'updated_at INTEGER NOT NULL',
    ],
    consent_records: [
      'id TEXT NOT NULL PK',
      'patient_id TEXT NOT NULL',
      'version INTEGER NOT NULL',
      'status TEXT NOT NULL',
      'scopes_json TEXT NOT NULL',
      'text_version TEXT NOT NULL',
      'text_hash BLOB NOT NULL',
      'signed_by_device TEXT NOT NULL',
      'signature BLOB NOT NULL',
      'created_at INTEGER NOT NULL',
      'supersedes TEXT',
      'FK supersedes -> consent_records(id) ON DELETE RESTRICT',
      'FK signed_by_device -> devices(id) ON DELETE RESTRICT',
      'FK patient_id -> patients(id) ON DELETE RESTRICT',
    ],
    conversations: [
      'id TEXT NOT NULL PK',
      'patient_id TEXT NOT NULL',
      'subject TEXT NOT NULL',
      'created_at INTEGER NOT NULL',
      'last_message_at INTEGER',
      'last_patient_message_at INTEGER',
      'last_staff_reply_at INTEGER',
      'awaiting_since INTEGER',
      'awaiting_reply INTEGER NOT NULL VIRTUAL',
      'unread_count INTEGER NOT NULL',
      'archived INTEGER NOT NULL',
      'inbox_tier INTEGER NOT NULL VIRTUAL',
      'inbox_key INTEGER NOT NULL VIRTUAL',
      'FK patient_id -> patients(id) ON DELETE RESTRICT',
    ],
    devices: [
      'id TEXT NOT NULL PK',
      'kind TEXT NOT NULL',
      'staff_id TEXT',
      'patient_id TEXT',
      'label TEXT NOT NULL',
      'signing_public_key BLOB NOT NULL',
      'box_public_key BLOB NOT NULL',
      'certificate BLOB NOT NULL',
      'status TEXT NOT NULL',
      'created_at INTEGER NOT NULL',
      'revoked_at INTEGER',
      'FK patient_id -> patients(id) ON DELETE RESTRICT',
      'FK staff_id -> staff(id) ON DELETE RESTRICT',
    ],
    messages: [
      'seq INTEGER PK',
      'id TEXT NOT NULL',
      'conversation_id TEXT NOT NULL',
      'sender_kind TEXT NOT NULL',
      'sender_id TEXT NOT NULL',
      'body TEXT NOT NULL',
      'sent_at INTEGER NOT NULL',
      'server_seq INTEGER',
      'delivery_state TEXT NOT NULL',
      'FK conversation_id -> conversations(id) ON DELETE RESTRICT',
    ],
    messages_fts: ['body', 'messages_fts', 'rank'],
    meta: ['key TEXT NOT NULL PK', 'value TEXT NOT NULL'],
    outbox: [
      'id INTEGER PK',
      'message_id TEXT NOT NULL',
      'attempts INTEGER NOT NULL',
      'next_attempt_at INTEGER NOT NULL',
      'last_error_code TEXT',
      'FK message_id -> messages(id) ON DELETE CASCADE',
    ],
    patients: [
      'id TEXT NOT NULL PK',
      'given_name TEXT NOT NULL',
      'family_name TEXT NOT NULL',
      'date_of_birth TEXT NOT NULL',
      'contact_json TEXT NOT NULL',
      'substitute_decision_maker_json TEXT',
      'created_at INTEGER NOT NULL',
    ],
    staff: [
      'id TEXT NOT NULL PK',
      'display_name TEXT NOT NULL',
      'role TEXT NOT NULL',
      'status TEXT NOT NULL',
      'created_at INTEGER NOT NULL',
    ],
  },
  indexes: {
    audit_events_by_subject: 'audit_events(subject_type, subject_id, seq)',
    consent_records_by_device: 'consent_records(signed_by_device)',
    consent_records_by_supersedes: 'consent_records(supersedes) UNIQUE PARTIAL',
    conversations_by_patient: 'conversations(patient_id)',
    conversations_inbox: 'conversations(archived, inbox_tier, inbox_key, id)',
    devices_by_patient: 'devices(patient_id)',
    devices_by_staff: 'devices(staff_id)',
    messages_by_conversation: 'messages(conversation_id, seq)',
    outbox_due: 'outbox(next_attempt_at)',
    patients_by_name: 'patients(family_name COLLATE NOCASE, given_name COLLATE NOCASE)',
    sqlite_autoindex_consent_records_1: 'consent_records(id) UNIQUE',
    sqlite_autoindex_consent_records_2: 'consent_records(patient_id, version) UNIQUE',
    sqlite_autoindex_conversations_1: 'conversations(id) UNIQUE',
    sqlite_autoindex_devices_1: 'devices(id) UNIQUE',
    sqlite_autoindex_devices_2: 'devices(signing_public_key) UNIQUE',
    sqlite_autoindex_messages_1: 'messages(id) UNIQUE',
    sqlite_autoindex_messages_2: 'messages(conversation_id, server_seq) UNIQUE',
    sqlite_autoindex_meta_1: 'meta(key) UNIQUE',
    sqlite_autoindex_outbox_1: 'outbox(message_id) UNIQUE',
    sqlite_autoindex_patients_1: 'patients(id) UNIQUE',
    sqlite_autoindex_staff_1: 'staff(id) UNIQUE',
  },
  triggers: {
    audit_events_no_delete: 'audit_events',
    audit_events_no_update: 'audit_events',
    consent_records_no_delete: 'consent_records',
    consent_records_no_update: 'consent_records',
    messages_fts_delete: 'messages',
    messages_fts_insert: 'messages',
    messages_fts_update: 'messages',
  },
};

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const now = 1_760_000_000_000;

let dir: string;
let db: EncryptedDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'schema-v1-'));
  db = openEncrypted(join(dir, 'profile.db'), randomBytes(32));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Build at version 0 (an empty encrypted database), then run migration 1 only. */
function migrateToV1(): void {
  expect(db.pragma('user_version', { simple: true })).toBe(0);
  migrate(db, migrations.slice(0, 1));
}

/** One representative row in every table, as later features will write them. */
function insertSample(): void {
  db.exec(`
    BEGIN;
    INSERT INTO clinic (slot, id, name, root_key_fingerprint, policy_version, policy_json, updated_at)
      VALUES (1, 'clinic-1', 'Clinique du Parc', randomblob(32), 3, '{"retentionDays":3650}', ${now});
    INSERT INTO staff (id, display_name, role, created_at) VALUES ('staff-1', 'Dr Amélie Roy', 'clinician', ${now});
    INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, substitute_decision_maker_json, created_at)
      VALUES ('patient-1', 'Zoë', 'Brûlé-Tremblay', '1984-02-29', '{"phone":"+1 514 555 0100"}', NULL, ${now});
    INSERT INTO devices (id, kind, staff_id, label, signing_public_key, box_public_key, certificate, created_at)
      VALUES ('device-staff', 'staff', 'staff-1', 'Desk 2', randomblob(32), randomblob(32), randomblob(200), ${now});
    INSERT INTO devices (id, kind, patient_id, label, signing_public_key, box_public_key, certificate, created_at)
      VALUES ('device-patient', 'patient', 'patient-1', 'Phone', randomblob(32), randomblob(32), randomblob(200), ${now});
    INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at)
      VALUES ('consent-1', 'patient-1', 1, 'granted', '["messaging"]', 'fr-2025-01', randomblob(32), 'device-patient', randomblob(64), ${now});
    INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at, supersedes)
      VALUES ('consent-2', 'patient-1', 2, 'withdrawn', '[]', 'fr-2025-01', randomblob(32), 'device-patient', randomblob(64), ${now + 1}, 'consent-1');
    INSERT INTO conversations (id, patient_id, subject, created_at) VALUES ('conv-1', 'patient-1', 'Renouvellement', ${now});
    INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, server_seq, delivery_state)
      VALUES ('msg-1', 'conv-1', 'patient', 'patient-1', 'Bonjour, ordonnance de métoprolol?', ${now}, 1, 'delivered');
    INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, server_seq, delivery_state)
      VALUES ('msg-2', 'conv-1', 'staff', 'staff-1', 'Brouillon', ${now + 5}, NULL, 'draft');
    INSERT INTO outbox (message_id, next_attempt_at) VALUES ('msg-2', ${now});
    INSERT INTO audit_events (seq, at, actor_id, action, subject_type, subject_id, details_json, prev_hash, hash)
      VALUES (1, ${now}, 'staff-1', 'patient.viewed', 'patient', 'patient-1', '{}', zeroblob(32), randomblob(32));
    COMMIT;
  `);
}

const search = (word: string) =>
  (db.prepare('SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?').all(word) as { rowid: number }[]).map((r) => r.rowid);

describe('migration 1 (initial)', () => {
  it('turns an empty encrypted database into exactly the v1 schema', () => {
    migrateToV1();
    expect(describeSchema(db)).toEqual(expectedV1);
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'search'`).get()).toEqual({ value: 'fts5' });
  });

  it('stores representative rows in every table and reads them back', () => {
    migrateToV1();
    insertSample();
    const counts = Object.fromEntries(
      ['clinic', 'staff', 'patients', 'devices', 'consent_records', 'conversations', 'messages', 'outbox', 'audit_events'].map(
        (table) => [table, (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n],
      ),
    );
    expect(counts).toEqual({
      clinic: 1,
      staff: 1,
      patients: 1,
      devices: 2,
      consent_records: 2,
      conversations: 1,
      messages: 2,
      outbox: 1,
      audit_events: 1,
    });
    expect(db.prepare(`SELECT given_name, family_name FROM patients`).get()).toEqual({ given_name: 'Zoë', family_name: 'Brûlé-Tremblay' });
    expect(db.prepare('SELECT awaiting_reply, inbox_tier, unread_count, archived FROM conversations').get()).toEqual({
      awaiting_reply: 0,
      inbox_tier: 1,
      unread_count: 0,
      archived: 0,
    });
    expect(db.prepare('SELECT foreign_keys FROM pragma_foreign_keys').get()).toEqual({ foreign_keys: 1 });
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  const check = /CHECK constraint failed/;
  const unique = /UNIQUE constraint failed/;
  const foreignKey = /FOREIGN KEY constraint failed/;
  it.each([
    ['a second clinic row', `INSERT INTO clinic VALUES (2, 'c2', 'Other', randomblob(32), 1, '{}', 0)`, check],
    ['a fingerprint of the wrong length', `INSERT INTO clinic VALUES (1, 'c2', 'Other', randomblob(31), 1, '{}', 0)`, check],
    ['a policy that is not a JSON object', `INSERT INTO clinic VALUES (1, 'c2', 'Other', randomblob(32), 1, '[1]', 0)`, check],
    ['an unknown staff role', `INSERT INTO staff (id, display_name, role, created_at) VALUES ('s2', 'X', 'janitor', 0)`, check],
    [
      'a date of birth that does not exist',
      `INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, created_at) VALUES ('p2', 'A', 'B', '2021-02-30', '{}', 0)`,
      check,
    ],
    [
      'contact details that are not JSON',
      `INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, created_at) VALUES ('p2', 'A', 'B', '2001-01-01', 'phone?', 0)`,
      check,
    ],
    [
      'a staff device that names a patient',
      `INSERT INTO devices (id, kind, staff_id, patient_id, label, signing_public_key, box_public_key, certificate, created_at)
       VALUES ('d3', 'staff', 'staff-1', 'patient-1', 'x', randomblob(32), randomblob(32), x'01', 0)`,
      check,
    ],
    [
      'a revoked device without a revocation time',
      `INSERT INTO devices (id, kind, staff_id, label, signing_public_key, box_public_key, certificate, status, created_at)
       VALUES ('d3', 'staff', 'staff-1', 'x', randomblob(32), randomblob(32), x'01', 'revoked', 0)`,
      check,
    ],
    [
      'a consent record that supersedes one already superseded',
      `INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at, supersedes)
       VALUES ('consent-3', 'patient-1', 3, 'granted', '[]', 'v', randomblob(32), 'device-patient', randomblob(64), 0, 'consent-1')`,
      unique,
    ],
    [
      'a message in an unknown delivery state',
      `INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, delivery_state) VALUES ('m9', 'conv-1', 'staff', 's', 'x', 0, 'lost')`,
      check,
    ],
    [
      'a message for a conversation that does not exist',
      `INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, delivery_state) VALUES ('m9', 'nope', 'staff', 's', 'x', 0, 'sent')`,
      foreignKey,
    ],
    [
      'two messages with the same server sequence in a conversation',
      `INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, server_seq, delivery_state) VALUES ('m9', 'conv-1', 'staff', 's', 'x', 0, 1, 'sent')`,
      unique,
    ],
    [
      'text in an INTEGER column (STRICT)',
      `INSERT INTO outbox (message_id, next_attempt_at) VALUES ('msg-1', 'soon')`,
      /cannot store TEXT value in INTEGER column/,
    ],
    ['deleting a patient who has records', `DELETE FROM patients WHERE id = 'patient-1'`, foreignKey],
    ['deleting a conversation that has messages', `DELETE FROM conversations WHERE id = 'conv-1'`, foreignKey],
    ['deleting a device that signed consent', `DELETE FROM devices WHERE id = 'device-patient'`, foreignKey],
  ])('refuses %s', (_label, sql, message) => {
    migrateToV1();
    insertSample();
    expect(() => db.exec(sql)).toThrow(message);
  });

  it.each([
    ['UPDATE consent_records SET status = "granted"'.replaceAll('"', "'"), /consent records are immutable/],
    [`DELETE FROM consent_records WHERE id = 'consent-2'`, /consent records are immutable/],
    [`UPDATE audit_events SET action = 'nothing.happened'`, /audit events are append-only/],
    ['DELETE FROM audit_events', /audit events are append-only/],
  ])('refuses %s', (sql, message) => {
    migrateToV1();
    insertSample();
    expect(() => db.exec(sql)).toThrow(message);
    expect((db.prepare('SELECT count(*) AS n FROM consent_records').get() as { n: number }).n).toBe(2);
    expect((db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBe(1);
  });

  it('allows several unsent messages (no server sequence yet) in one conversation', () => {
    migrateToV1();
    insertSample();
    db.exec(`INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, delivery_state)
             VALUES ('m3', 'conv-1', 'staff', 'staff-1', 'a', 0, 'queued'), ('m4', 'conv-1', 'staff', 'staff-1', 'b', 0, 'queued')`);
    expect((db.prepare('SELECT count(*) AS n FROM messages WHERE server_seq IS NULL').get() as { n: number }).n).toBe(3);
  });

  it('lets a discarded draft take its outbox entry with it, and nothing else', () => {
    migrateToV1();
    insertSample();
    db.exec(`DELETE FROM messages WHERE id = 'msg-2'`);
    expect(db.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM conversations').get()).toEqual({ n: 1 });
  });

  it('keeps the full-text index in step with inserts, edits and deletes, ignoring accents', () => {
    migrateToV1();
    insertSample();
    const seq = (db.prepare(`SELECT seq FROM messages WHERE id = 'msg-1'`).get() as { seq: number }).seq;
    expect(search('metoprolol')).toEqual([seq]);
    db.exec(`UPDATE messages SET body = 'Rendez-vous jeudi' WHERE id = 'msg-1'`);
    expect(search('metoprolol')).toEqual([]);
    expect(search('jeudi')).toEqual([seq]);
    db.exec(`DELETE FROM messages WHERE id = 'msg-1'`);
    expect(search('jeudi')).toEqual([]);
    expect(() => db.prepare(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).run()).not.toThrow();
  });

  it('stores keys and hashes as exact-length blobs', () => {
    migrateToV1();
    insertSample();
    db.prepare(`INSERT INTO staff (id, display_name, role, created_at) VALUES ('staff-2', 'Front', 'front-desk', 0)`).run();
    const insert = db.prepare(`
      INSERT INTO devices (id, kind, staff_id, label, signing_public_key, box_public_key, certificate, created_at)
      VALUES ('d9', 'staff', 'staff-2', 'x', ?, ?, ?, 0)`);
    expect(() => insert.run(bytes(33, 1), bytes(32, 2), bytes(10, 3))).toThrow(/CHECK constraint/);
    expect(() => insert.run(bytes(32, 1), bytes(32, 2), bytes(10, 3))).not.toThrow();
  });
});
