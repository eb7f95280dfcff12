// A damaged profile file is reported as ProfileDamagedError: never opened as an empty
// profile, never "repaired" by overwriting it, never a crash.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { randomBytes } from '../../src/main/crypto/sodium';
import { openEncrypted } from '../../src/main/storage/open-encrypted';
import { ProfileDamagedError, openProfileDatabase } from '../../src/main/storage/profile-database';
import { createProfileRepository } from '../../src/main/storage/repository';

const pageBytes = 4096;
const root = mkdtempSync(join(tmpdir(), 'damage-'));
const pristine = join(root, 'pristine.db');
const key = randomBytes(32);
let auditLeafPages: number[] = [];

beforeAll(async () => {
  const profile = openProfileDatabase(pristine, key);
  const repo = await createProfileRepository(profile);
  repo.insertPatients(
    Array.from({ length: 50 }, (_, i) => ({
      id: `p${i}`,
      givenName: 'Zoë',
      familyName: `Brûlé-Tremblay ${i}`,
      dateOfBirth: '1984-02-29',
      contact: {},
      substituteDecisionMaker: null,
      createdAt: i,
    })),
  );
  for (let i = 0; i < 2000; i += 1) {
    repo.appendAuditEvent({
      at: 1000 + i,
      actorId: `staff-${i % 7}`,
      deviceId: 'device-1',
      action: 'patient.viewed',
      subjectType: 'patient',
      subjectId: `p${i % 50}`,
      details: { note: `Event ${i} ${'détail clinique '.repeat(12)}` },
    });
  }
  auditLeafPages = profile.db
    .prepare(`SELECT pageno FROM dbstat WHERE name = 'audit_events' AND pagetype = 'leaf' ORDER BY pageno`)
    .pluck()
    .all() as number[];
  profile.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
/** A fresh copy of the healthy profile, damaged by `damage`, alone in its own folder (so no WAL is shared). */
function damagedCopy(damage: (bytes: Buffer) => Buffer): string {
  copies += 1;
  const dir = join(root, `case-${copies}`);
  mkdirSync(dir);
  const file = join(dir, 'profile.db');
  writeFileSync(file, damage(readFileSync(pristine)));
  return file;
}

function flipAt(offset: (size: number) => number) {
  return (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    const at = offset(copy.length);
    copy[at] = (copy[at] ?? 0) ^ 0xff;
    return copy;
  };
}

function expectDamaged(file: string, reason: ProfileDamagedError['reason']): void {
  const before = readFileSync(file);
  let thrown: unknown;
  try {
    openProfileDatabase(file, key).close();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProfileDamagedError);
  expect(thrown).toMatchObject({ code: 'profile-damaged', reason });
  // Reported, not repaired: the bytes are exactly as they were, for a restore or for support.
  expect(readFileSync(file).equals(before)).toBe(true);
}

describe('opening a damaged profile', () => {
  it('opens the healthy original (control)', () => {
    const file = damagedCopy((bytes) => bytes);
    const profile = openProfileDatabase(file, key);
    expect((profile.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBe(2000);
    profile.close();
  });

  it.each([
    ['one byte flipped in the middle of the file', 'integrity', flipAt((size) => Math.floor(size / 2))],
    ['one byte flipped in the last page', 'integrity', flipAt((size) => size - 1)],
    ['one byte flipped in the first page', 'not-a-database', flipAt(() => 200)],
    ['one byte flipped in the salt', 'not-a-database', flipAt(() => 3)],
    ['the file cut in half', 'integrity', (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2))],
    ['the file cut inside a page', 'integrity', (bytes: Buffer) => bytes.subarray(0, bytes.length - 100)],
    ['the file cut to its first page', 'integrity', (bytes: Buffer) => bytes.subarray(0, pageBytes)],
    ['the file cut inside its first page', 'not-a-database', (bytes: Buffer) => bytes.subarray(0, 1000)],
    ['the file emptied', 'truncated', () => Buffer.alloc(0)],
    ['random bytes', 'not-a-database', () => Buffer.from(randomBytes(64 * 1024))],
    ['random bytes of an odd size', 'not-a-database', () => Buffer.from(randomBytes(12_345))],
    ['a text file', 'not-a-database', () => Buffer.from('Zoë Brûlé-Tremblay, not a database\n'.repeat(300))],
  ])('%s → ProfileDamagedError (%s), file untouched', (_label, reason, damage) => {
    expectDamaged(damagedCopy(damage), reason as ProfileDamagedError['reason']);
  });

  it('an unencrypted SQLite database in its place → ProfileDamagedError', () => {
    const file = damagedCopy((bytes) => bytes);
    rmSync(file);
    const plain = new Database(file);
    plain.exec(`CREATE TABLE patients (name TEXT); INSERT INTO patients VALUES ('Zoë')`);
    plain.close();
    expectDamaged(file, 'not-a-database');
  });

  it("with verify: 'none', the first query that meets the damaged page throws ProfileDamagedError", async () => {
    expect(auditLeafPages.length).toBeGreaterThan(20);
    const page = auditLeafPages[Math.floor(auditLeafPages.length / 2)]!;
    const file = damagedCopy(flipAt(() => (page - 1) * pageBytes + 2000));
    const profile = openProfileDatabase(file, key, { verify: 'none' });
    try {
      const repo = await createProfileRepository(profile);
      let thrown: unknown;
      try {
        repo.verifyAuditChain();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ProfileDamagedError);
      expect(thrown).toMatchObject({ code: 'profile-damaged', reason: 'integrity', detail: { sqliteCode: expect.stringMatching(/^SQLITE_CORRUPT/) } });
    } finally {
      profile.close();
    }
  });

  it('a raw connection sees the same flipped byte as corruption, not as data (control for the cipher)', () => {
    const page = auditLeafPages[0]!;
    const file = damagedCopy(flipAt(() => (page - 1) * pageBytes + 100));
    const raw = openEncrypted(file, key);
    try {
      expect(() => raw.prepare('SELECT count(*) FROM audit_events WHERE details_json IS NOT NULL').get()).toThrow(/malformed|corrupt/i);
    } finally {
      raw.close();
    }
  });
});
