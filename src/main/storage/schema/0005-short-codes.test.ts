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
  dir = mkdtempSync(join(tmpdir(), 'cm-m5-'));
  db = openEncrypted(join(dir, 'p.db'), randomBytes(32));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 5 (short codes)', () => {
  it('adds a short code beside each enrollment code, empty for the codes printed before', () => {
    migrate(db, migrations.slice(0, 4));
    const before = describeSchema(db);
    migrate(db, migrations.slice(0, 5));
    const schema = describeSchema(db);
    expect(schema.userVersion).toBe(5);
    expect(schema.tables.enrollment_codes).toEqual(expect.arrayContaining([...(before.tables.enrollment_codes ?? []), 'short_code TEXT']));
    expect(before.tables.enrollment_codes).not.toContain('short_code TEXT');
    expect(() => db.prepare(`UPDATE enrollment_codes SET short_code = 'ABC'`).run()).not.toThrow();
  });
});
