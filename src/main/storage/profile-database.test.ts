import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { randomBytes } from '../crypto/sodium';
import { StoreTooNewError } from './errors';
import { openEncrypted } from './open-encrypted';
import { type ProfileDatabase, ProfileDamagedError, checkIntegrity, openProfileDatabase } from './profile-database';
import { latestSchemaVersion } from './schema';

const dirs: string[] = [];
const profiles: ProfileDatabase[] = [];
afterEach(() => {
  for (const profile of profiles.splice(0)) profile.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'profile-db-'));
  dirs.push(dir);
  return dir;
}

function openTracked(file: string, key: Uint8Array, options?: Parameters<typeof openProfileDatabase>[2]): ProfileDatabase {
  const profile = openProfileDatabase(file, key, options);
  profiles.push(profile);
  return profile;
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('openProfileDatabase', () => {
  it('creates a new profile at the latest schema, with the durable settings, private to the owner', () => {
    const dir = tempDir();
    const file = join(dir, 'data', 'profile.db');
    const profile = openTracked(file, randomBytes(32));
    const { db } = profile;
    expect(profile.schemaVersion).toBe(latestSchemaVersion);
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('temp_store', { simple: true })).toBe(2); // MEMORY: no unencrypted temp files
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).not.toContain('SQLite format');
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    }
    profile.close();
    // Built aside and linked into place: nothing else is left in the folder.
    expect(readdirSync(join(dir, 'data'))).toEqual(['profile.db']);
  });

  it('reopens an existing profile with its data, without migrating again', () => {
    const file = join(tempDir(), 'profile.db');
    const key = randomBytes(32);
    const first = openTracked(file, key);
    first.db.prepare(`INSERT INTO meta (key, value) VALUES ('probe', 'kept')`).run();
    first.close();
    const again = openTracked(file, key, { create: 'never' });
    expect(again.db.prepare(`SELECT value FROM meta WHERE key = 'probe'`).get()).toEqual({ value: 'kept' });
    expect(again.db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
  });

  it('folds the WAL into the file on close, and closing twice is harmless', () => {
    const file = join(tempDir(), 'profile.db');
    const profile = openTracked(file, randomBytes(32));
    profile.db.prepare(`INSERT INTO meta (key, value) VALUES ('probe', 'x')`).run();
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    profile.close();
    expect(profile.isOpen).toBe(false);
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
    expect(() => profile.close()).not.toThrow();
  });

  it('removes what an interrupted creation left behind', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'profile.db.creating-0123456789ab'), randomBytes(4096));
    writeFileSync(join(dir, 'profile.db.creating-0123456789ab-wal'), randomBytes(100));
    openTracked(join(dir, 'profile.db'), randomBytes(32)).close();
    expect(readdirSync(dir)).toEqual(['profile.db']);
  });

  it('reports a wrong key as damage (indistinguishable from a scrambled file) and leaves the file as it was', () => {
    const file = join(tempDir(), 'profile.db');
    openTracked(file, randomBytes(32)).close();
    const before = readFileSync(file);
    const error = thrownBy(() => openProfileDatabase(file, randomBytes(32)));
    expect(error).toBeInstanceOf(ProfileDamagedError);
    expect(error).toMatchObject({ code: 'profile-damaged', reason: 'not-a-database' });
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("with create: 'never', reports a missing file and creates nothing", () => {
    const dir = tempDir();
    const error = thrownBy(() => openProfileDatabase(join(dir, 'profile.db'), randomBytes(32), { create: 'never' }));
    expect(error).toMatchObject({ code: 'profile-damaged', reason: 'missing' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never turns an empty existing file into a fresh, empty profile', () => {
    const file = join(tempDir(), 'profile.db');
    writeFileSync(file, '');
    expect(thrownBy(() => openProfileDatabase(file, randomBytes(32)))).toMatchObject({ reason: 'truncated' });
    expect(statSync(file).size).toBe(0);
  });

  it('reports a folder where the file should be as unreadable', () => {
    const file = join(tempDir(), 'profile.db');
    mkdirSync(file);
    expect(thrownBy(() => openProfileDatabase(file, randomBytes(32)))).toMatchObject({ reason: 'unreadable' });
  });

  it('reports a database whose migration fails as damaged, at that version, and leaves it as it was', () => {
    const file = join(tempDir(), 'profile.db');
    const key = randomBytes(32);
    // A version 0 file (in WAL mode, like every profile) that already has a "patients"
    // table: migration 1 cannot create its own.
    const raw = openEncrypted(file, key);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE patients (x)');
    raw.close();
    const before = readFileSync(file);
    const error = thrownBy(() => openProfileDatabase(file, key));
    expect(error).toMatchObject({ code: 'profile-damaged', reason: 'migration', detail: { migrationVersion: 1 } });
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a database from a newer app with StoreTooNewError, not as damage', () => {
    const file = join(tempDir(), 'profile.db');
    const key = randomBytes(32);
    openTracked(file, key).close();
    const raw = openEncrypted(file, key);
    raw.pragma(`user_version = ${latestSchemaVersion + 1}`);
    raw.close();
    const error = thrownBy(() => openProfileDatabase(file, key));
    expect(error).toBeInstanceOf(StoreTooNewError);
    expect(error).toMatchObject({ code: 'store-too-new', foundVersion: latestSchemaVersion + 1, knownVersion: latestSchemaVersion });
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => openProfileDatabase(join(tempDir(), 'profile.db'), randomBytes(16))).toThrow(RangeError);
  });

  it('never puts the path or content in the error message', () => {
    const dir = tempDir();
    const file = join(dir, 'Zoë Brûlé-Tremblay.db');
    writeFileSync(file, 'Zoë Brûlé-Tremblay '.repeat(400));
    const error = thrownBy(() => openProfileDatabase(file, randomBytes(32))) as Error;
    expect(error).toBeInstanceOf(ProfileDamagedError);
    expect(error.message).not.toMatch(/Zoë|Brûlé|Tremblay/);
    expect(error.message).not.toContain(dir);
  });
});

describe('checkIntegrity', () => {
  it('passes on a healthy profile', () => {
    const profile = openTracked(join(tempDir(), 'profile.db'), randomBytes(32));
    expect(checkIntegrity(profile)).toEqual({ ok: true, problems: [] });
  });

  it('names a broken foreign key, without content', () => {
    const profile = openTracked(join(tempDir(), 'profile.db'), randomBytes(32));
    const { db } = profile;
    db.pragma('foreign_keys = OFF');
    db.exec(`
      INSERT INTO enrollment_codes (id, patient_id, record_id, code, fingerprint, expires_at, created_at)
        VALUES ('e1', 'Zoë Brûlé-Tremblay', 'no-such-record', '${'A'.repeat(24)}', '${'F'.repeat(20)}', 0, 0);`);
    const report = checkIntegrity(profile);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'foreign key: enrollment_codes row 1 refers to a missing consent_records row',
      'foreign key: enrollment_codes row 1 refers to a missing patients row',
    ]);
    expect(report.problems.join(' ')).not.toMatch(/Zoë|Brûlé/);
  });
});
