import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { randomBytes } from '../crypto/sodium';
import { MigrationFailedError, StoreTooNewError } from './errors';
import { type Migration, migrate, schemaVersionOf } from './migrations';
import { type EncryptedDatabase, openEncrypted } from './open-encrypted';
import { describeSchema } from './schema-snapshot';

const dirs: string[] = [];
const open: EncryptedDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function emptyDatabase(): EncryptedDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  dirs.push(dir);
  const db = openEncrypted(join(dir, 'test.db'), randomBytes(32));
  open.push(db);
  return db;
}

const createA: Migration = { version: 1, name: 'create a', up: (db) => db.exec('CREATE TABLE a (x INTEGER NOT NULL) STRICT') };
const createB: Migration = {
  version: 2,
  name: 'create b',
  up: (db) => db.exec('CREATE TABLE b (y TEXT NOT NULL) STRICT; INSERT INTO b VALUES (1)'),
};
const tableNames = (db: EncryptedDatabase) => Object.keys(describeSchema(db).tables);

describe('migrate', () => {
  it('applies the pending migrations in order and records the version', () => {
    const db = emptyDatabase();
    expect(migrate(db, [createA])).toEqual({ from: 0, to: 1 });
    db.prepare('INSERT INTO a VALUES (7)').run();
    expect(migrate(db, [createA, createB])).toEqual({ from: 1, to: 2 });
    expect(schemaVersionOf(db)).toBe(2);
    expect(tableNames(db)).toEqual(['a', 'b']);
    // Already applied migrations are not run again (a second CREATE TABLE would throw).
    expect(migrate(db, [createA, createB])).toEqual({ from: 2, to: 2 });
    expect(db.prepare('SELECT x FROM a').all()).toEqual([{ x: 7 }]);
  });

  it('rolls a failing migration back completely: schema, data and user_version stay as they were', () => {
    const db = emptyDatabase();
    migrate(db, [createA]);
    db.prepare('INSERT INTO a VALUES (1)').run();
    const before = describeSchema(db);
    const failing: Migration = {
      version: 2,
      name: 'half done',
      up(inner) {
        inner.exec('CREATE TABLE b (y TEXT) STRICT; ALTER TABLE a ADD COLUMN z TEXT; INSERT INTO a (x) VALUES (2)');
        throw new Error('boom');
      },
    };
    let thrown: unknown;
    try {
      migrate(db, [createA, failing]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MigrationFailedError);
    expect(thrown).toMatchObject({ code: 'migration-failed', version: 2, migrationName: 'half done' });
    expect(((thrown as MigrationFailedError).cause as Error).message).toBe('boom');
    expect(describeSchema(db)).toEqual(before);
    expect(schemaVersionOf(db)).toBe(1);
    expect(db.prepare('SELECT x FROM a').all()).toEqual([{ x: 1 }]);
    // Fixed forward, the same database migrates.
    expect(migrate(db, [createA, createB]).to).toBe(2);
  });

  it('rolls back a migration that leaves a broken foreign key', () => {
    const db = emptyDatabase();
    const orphan: Migration = {
      version: 1,
      name: 'orphan',
      up: (inner) =>
        inner.exec(`
          PRAGMA defer_foreign_keys = ON;
          CREATE TABLE parent (id INTEGER PRIMARY KEY);
          CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));
          INSERT INTO child VALUES (42);`),
    };
    expect(() => migrate(db, [orphan])).toThrow(MigrationFailedError);
    expect(schemaVersionOf(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });

  it('refuses a database written by a newer app and leaves it untouched', () => {
    const db = emptyDatabase();
    migrate(db, [createA, createB]);
    const before = describeSchema(db);
    let thrown: unknown;
    try {
      migrate(db, [createA]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreTooNewError);
    expect(thrown).toMatchObject({ code: 'store-too-new', foundVersion: 2, knownVersion: 1 });
    expect(describeSchema(db)).toEqual(before);
  });

  it.each([
    ['a gap', [createA, { ...createB, version: 3 }]],
    ['a list not starting at 1', [createB]],
    ['a nameless migration', [{ ...createA, name: ' ' }]],
  ])('refuses %s before touching the database', (_label, list) => {
    const db = emptyDatabase();
    expect(() => migrate(db, list)).toThrow(RangeError);
    expect(schemaVersionOf(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
  });
});
