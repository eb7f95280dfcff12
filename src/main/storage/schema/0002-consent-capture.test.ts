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
  dir = mkdtempSync(join(tmpdir(), 'cm-m2-'));
  db = openEncrypted(join(dir, 'p.db'), randomBytes(32));
  db.pragma('foreign_keys = ON');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function seedV1(): void {
  migrate(db, migrations.slice(0, 1));
  db.prepare(`INSERT INTO staff (id, display_name, role, created_at) VALUES ('s1', 'Sam', 'front-desk', 1)`).run();
  db.prepare(
    `INSERT INTO devices (id, kind, staff_id, label, signing_public_key, box_public_key, certificate, created_at) VALUES ('d1', 'staff', 's1', 'PC', ?, ?, ?, 1)`,
  ).run(Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.from('{}'));
  db.prepare(`INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, created_at) VALUES ('p1', 'Alex', 'Martin', '1980-04-02', '{}', 1)`).run();
  db.prepare(
    `INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at) VALUES ('r1', 'p1', 1, 'granted', '["clinical"]', 'p1-t1-en', ?, 'd1', ?, 2)`,
  ).run(Buffer.alloc(32), Buffer.alloc(64));
}

describe('migration 2 (consent capture)', () => {
  it('keeps v1 records, adds the record JSON, publications and enrollment codes', () => {
    seedV1();
    migrate(db, migrations.slice(0, 2));
    const schema = describeSchema(db);
    expect(schema.userVersion).toBe(2);
    expect(schema.tables.consent_records).toContain('record_json TEXT');
    expect(Object.keys(schema.tables)).toEqual(expect.arrayContaining(['consent_publications', 'enrollment_codes']));
    expect(schema.indexes).toMatchObject({ consent_records_by_patient: expect.any(String), enrollment_codes_by_patient: expect.any(String) });
    expect(db.prepare(`SELECT id, record_json FROM consent_records`).all()).toEqual([{ id: 'r1', record_json: null }]);
  });

  it('still refuses to change or delete a consent record, and checks the new columns', () => {
    seedV1();
    migrate(db, migrations.slice(0, 2));
    expect(() => db.prepare(`UPDATE consent_records SET status = 'withdrawn'`).run()).toThrow(/immutable/);
    expect(() => db.prepare(`DELETE FROM consent_records`).run()).toThrow(/immutable/);
    expect(() =>
      db
        .prepare(
          `INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at, record_json) VALUES ('r2', 'p1', 2, 'granted', '[]', 'v', ?, 'd1', ?, 3, '[1]')`,
        )
        .run(Buffer.alloc(32), Buffer.alloc(64)),
    ).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO consent_publications (record_id, published_at) VALUES ('nope', 1)`).run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`INSERT INTO enrollment_codes (id, patient_id, record_id, code, fingerprint, expires_at, created_at) VALUES ('e', 'p1', 'r1', 'short', 'ABCD EFGH IJKL', 1, 1)`).run()).toThrow(/CHECK/);
  });
});
