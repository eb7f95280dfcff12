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
  dir = mkdtempSync(join(tmpdir(), 'cm-m3-'));
  db = openEncrypted(join(dir, 'p.db'), randomBytes(32));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 3 (consent texts)', () => {
  it('adds an immutable table of consent texts keyed by their hash', () => {
    migrate(db, migrations.slice(0, 2));
    migrate(db, migrations.slice(0, 3));
    const schema = describeSchema(db);
    expect(schema.userVersion).toBe(3);
    expect(schema.tables.consent_texts).toEqual(expect.arrayContaining(['text_hash BLOB NOT NULL PK', 'document_json TEXT NOT NULL']));
    const insert = db.prepare('INSERT INTO consent_texts (text_hash, text_version, document_json, created_at) VALUES (?, ?, ?, 1)');
    insert.run(Buffer.alloc(32, 1), 'p1-t1-en', '{"text":"x"}');
    expect(() => insert.run(Buffer.alloc(31), 'p1-t1-en', '{}')).toThrow(/CHECK/);
    expect(() => insert.run(Buffer.alloc(32, 2), 'p1-t1-en', '[]')).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE consent_texts SET document_json = '{}'`).run()).toThrow(/immutable/);
  });
});
