import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { randomBytes } from '../../crypto/sodium';
import { migrate } from '../migrations';
import { type EncryptedDatabase, openEncrypted } from '../open-encrypted';
import { describeSchema } from '../schema-snapshot';
import { migrations } from './index';

let dir: string;
let db: EncryptedDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cm-m4-'));
  db = openEncrypted(join(dir, 'p.db'), randomBytes(32));
  db.pragma('foreign_keys = ON');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A version 3 profile as the seed tool used to leave it: patients, consent, audit, and rows in the old message tables. */
function seedV3(): void {
  migrate(db, migrations.slice(0, 3));
  db.exec(`
    INSERT INTO staff (id, display_name, role, created_at) VALUES ('s1', 'Sam', 'front-desk', 1);
    INSERT INTO devices (id, kind, staff_id, label, signing_public_key, box_public_key, certificate, created_at)
      VALUES ('d1', 'staff', 's1', 'PC', randomblob(32), randomblob(32), randomblob(10), 1);
    INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, created_at) VALUES ('p1', 'Alex', 'Martin', '1980-04-02', '{}', 1);
    INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at)
      VALUES ('r1', 'p1', 1, 'granted', '["clinical"]', 'p1-t1-en', randomblob(32), 'd1', randomblob(64), 2);
    INSERT INTO audit_events (seq, at, actor_id, action, subject_type, subject_id, details_json, prev_hash, hash)
      VALUES (1, 3, 's1', 'consent.recorded', 'patient', 'p1', '{}', zeroblob(32), randomblob(32));
    INSERT INTO conversations (id, patient_id, subject, created_at) VALUES ('c1', 'p1', 'Suivi', 1);
    INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, server_seq, delivery_state)
      VALUES ('m1', 'c1', 'patient', 'p1', 'Bonjour', 5, 1, 'delivered');
    INSERT INTO outbox (message_id, next_attempt_at) VALUES ('m1', 6);
  `);
}

describe('migration 4 (one message store)', () => {
  it('drops the unused message tables, their search index and triggers, and keeps every clinical record', () => {
    seedV3();
    const before = describeSchema(db);
    expect(Object.keys(before.tables)).toEqual(expect.arrayContaining(['conversations', 'messages', 'outbox']));

    migrate(db, migrations.slice(0, 4));
    const after = describeSchema(db);
    expect(after.userVersion).toBe(4);
    for (const gone of ['conversations', 'messages', 'messages_fts', 'outbox']) expect(after.tables).not.toHaveProperty(gone);
    expect(Object.keys(after.triggers).filter((name) => name.startsWith('messages_fts'))).toEqual([]);
    expect(Object.keys(after.indexes).filter((name) => /^(messages|conversations|outbox)_/.test(name))).toEqual([]);
    // No FTS5 shadow table is left behind either.
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name LIKE 'messages%' OR name LIKE 'conversations%'`).all()).toEqual([]);
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'search'`).get()).toBeUndefined();

    // Everything else is exactly as before, rows included.
    for (const kept of ['patients', 'staff', 'devices', 'consent_records', 'audit_events', 'consent_texts', 'enrollment_codes']) {
      expect(after.tables[kept]).toEqual(before.tables[kept]);
    }
    expect(db.prepare('SELECT id FROM patients').pluck().all()).toEqual(['p1']);
    expect(db.prepare('SELECT id FROM consent_records').pluck().all()).toEqual(['r1']);
    expect(db.prepare('SELECT seq FROM audit_events').pluck().all()).toEqual([1]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('also applies to a database made where SQLite had no FTS5 (no search table to drop)', () => {
    migrate(db, migrations.slice(0, 3));
    db.exec('DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update; DROP TABLE messages_fts;');
    migrate(db, migrations.slice(0, 4));
    expect(describeSchema(db).userVersion).toBe(4);
    expect(describeSchema(db).tables).not.toHaveProperty('messages');
  });

  it('leaves a new profile with no message table at all', () => {
    migrate(db, migrations.slice(0, 4));
    expect(Object.keys(describeSchema(db).tables).sort()).toEqual(
      ['audit_events', 'clinic', 'consent_publications', 'consent_records', 'consent_texts', 'devices', 'enrollment_codes', 'meta', 'patients', 'staff'],
    );
  });
});
